import GitStore

/// Where the Kapso project lives in the repository (`repository.root`): the repository's root, or a
/// folder such as `kapso/` when the project shares its repository with other code or other projects.
/// The engine works in the project's own paths (`workflows/…`, `.kapso/remote-map.json`, as the CLI
/// writes them) and turns them into the repository's at the one place each crosses into git.
public struct ProjectRoot: Sendable, Equatable, CustomStringConvertible {
    /// Without leading or trailing slashes; empty for the repository's root.
    public let path: String

    public static let repositoryRoot = ProjectRoot("")

    public init(_ path: String) {
        self.path = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    public var description: String { path.isEmpty ? "the repository's root" : path + "/" }

    /// A project path as the repository names it.
    public func inRepository(_ projectPath: String) -> String {
        path.isEmpty ? projectPath : path + "/" + projectPath
    }

    public func inRepository(_ change: TreeChange) -> TreeChange {
        guard !path.isEmpty else { return change }
        switch change {
        case .upsert(let changed, let blob): return .upsert(path: inRepository(changed), blob: blob)
        case .remove(let changed): return .remove(path: inRepository(changed))
        }
    }

    /// A repository path as the project names it; nil when it lies outside the project.
    public func inProject(_ repositoryPath: String) -> String? {
        guard !path.isEmpty else { return repositoryPath }
        let prefix = path + "/"
        return repositoryPath.hasPrefix(prefix) ? String(repositoryPath.dropFirst(prefix.count)) : nil
    }
}
