import Foundation

/// The page where a person opens a pull (or merge) request from a conflict branch, for the hosts whose
/// address pattern is known: GitHub and GitLab (and self-hosted GitLab, told by `gitlab` in the host
/// name). Built from `remote.url` without its user part, so a token in the URL is never shown.
public enum PullRequestLink {
    public static func forBranch(_ branch: String, into base: String, remoteURL: String) -> String? {
        guard let (host, path) = hostAndPath(remoteURL) else { return nil }
        let repository = path.hasSuffix(".git") ? String(path.dropLast(4)) : path
        guard repository.split(separator: "/").count >= 2 else { return nil }
        let source = escaped(branch)
        let target = escaped(base)
        if host == "github.com" {
            return "https://github.com/\(repository)/compare/\(target)...\(source)?expand=1"
        }
        if host.contains("gitlab") {
            return "https://\(host)/\(repository)/-/merge_requests/new?merge_request%5Bsource_branch%5D=\(source)"
                + "&merge_request%5Btarget_branch%5D=\(target)"
        }
        return nil
    }

    /// `https://[user@]host/owner/repo(.git)`, `ssh://[user@]host[:port]/owner/repo(.git)` or the scp form
    /// `user@host:owner/repo(.git)`.
    static func hostAndPath(_ url: String) -> (host: String, path: String)? {
        if let components = URLComponents(string: url), let scheme = components.scheme, ["https", "http", "ssh"].contains(scheme),
            let host = components.host?.lowercased(), !host.isEmpty
        {
            let path = components.path.split(separator: "/").joined(separator: "/")
            return path.isEmpty ? nil : (host, path)
        }
        guard !url.contains("://"), let colon = url.firstIndex(of: ":") else { return nil }
        let authority = url[..<colon]
        let host = (authority.split(separator: "@").last.map(String.init) ?? "").lowercased()
        let path = url[url.index(after: colon)...].split(separator: "/").joined(separator: "/")
        return host.isEmpty || path.isEmpty ? nil : (host, path)
    }

    private static func escaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
