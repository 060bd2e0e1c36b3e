/// How to reach and trust a git server for one fetch or push. The caller reads secrets from their
/// files just before the operation (a rotated token is picked up) and never logs this value: its
/// description leaves every secret out.
public struct RemoteAccess: Sendable, CustomStringConvertible {
    /// `git@host:org/repo.git`, `ssh://…`, `https://…`, `http://…`, `file://…` or a path. Never
    /// written to the repository's configuration: operations use an anonymous remote.
    public var url: String
    public var httpsUsername: String
    public var httpsToken: String?
    public var sshPrivateKeyPath: String?
    public var sshPassphrase: String?
    /// Decides whether an SSH host key is the expected one: `(host, port, keyType, keyBlob)`. Without
    /// it every SSH host is refused: a host key is never trusted silently.
    public var verifySSHHostKey: (@Sendable (_ host: String, _ port: Int, _ keyBlob: [UInt8]) -> HostKeyVerdict)?
    /// A fetch or push with no progress for this long has its connection cut (and is tried once more).
    public var stallTimeout: Duration = .seconds(120)

    public enum HostKeyVerdict: Sendable, Equatable {
        case trusted
        case unknownHost
        case mismatch
    }

    public init(
        url: String, httpsUsername: String = "x-access-token", httpsToken: String? = nil, sshPrivateKeyPath: String? = nil,
        sshPassphrase: String? = nil,
        verifySSHHostKey: (@Sendable (_ host: String, _ port: Int, _ keyBlob: [UInt8]) -> HostKeyVerdict)? = nil
    ) {
        self.url = url
        self.httpsUsername = httpsUsername
        self.httpsToken = httpsToken
        self.sshPrivateKeyPath = sshPrivateKeyPath
        self.sshPassphrase = sshPassphrase
        self.verifySSHHostKey = verifySSHHostKey
    }

    /// The URL without any user information a person may have put in it (`https://user:token@host`).
    public var displayURL: String { Self.redacted(url) }

    public var description: String { "git remote \(displayURL)" }

    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "***@" + String(rest[rest.index(after: at)...])
    }
}
