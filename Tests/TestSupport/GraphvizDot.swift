import Foundation

/// Graphviz's `dot`, which checks the DOT graphs `kapso-gitsync graph` draws; `make test` installs it.
public enum GraphvizDot {
    public static let path: String? = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }
}
