import Foundation
import GitStore

/// The `remote` section: the git server the branch is fetched from and pushed to.
public struct RemoteSettings: Sendable, Equatable {
    public var url: String
    public var httpsUsername: String
    public var httpsTokenFile: String?
    public var sshKeyFile: String?
    public var sshPassphraseFile: String?
    public var knownHostsFile: String?
    public var pushRounds: Int
    /// `incoming`: what comes from Kapso is committed to `incomingBranch`, never to the main branch
    /// (for a main branch that only takes merges); changes to send to Kapso still come from main.
    public var commitTo: CommitTo
    public var incomingBranch: String
    /// Send the token over `http://` to a host that is not this machine (a network the operator trusts).
    public var allowInsecure: Bool

    public enum CommitTo: String, Sendable, CaseIterable {
        case main
        case incoming
    }

    public static let defaultIncomingBranch = "kapso-gitsync/incoming"

    static let tokenCredential = "git-token"
    static let sshKeyCredential = "git-ssh-key"
    static let passphraseCredential = "git-ssh-passphrase"

    var redactedDescription: [String] {
        [
            "remote.url: \(RemoteAccess(url: url).displayURL)",
            "remote.https_username: \(httpsUsername)",
            "remote.https_token_file: \(httpsTokenFile ?? "(none)")",
            "remote.ssh_key_file: \(sshKeyFile ?? "(none)")",
            "remote.ssh_passphrase_file: \(sshPassphraseFile ?? "(none)")",
            "remote.known_hosts_file: \(knownHostsFile ?? "(none)")",
            "remote.push_rounds: \(pushRounds)",
            "remote.commit_to: \(commitTo.rawValue)",
            "remote.incoming_branch: \(incomingBranch)",
            "remote.allow_insecure: \(allowInsecure)",
        ]
    }

    var insecureTransportRefusal: ConfigurationError? {
        InsecureTransport.refusal(url: url, key: "remote.url", credential: "the git token", allowInsecure: allowInsecure)
    }

    /// Reads the token, passphrase and known_hosts file now: called before every fetch and push.
    public func access(environment: [String: String]) throws(ConfigurationError) -> RemoteAccess {
        let token = try SecretFile.resolve(
            credential: Self.tokenCredential, file: httpsTokenFile, key: "remote.https_token_file", environment: environment)
        // Also here: the token may come from a systemd credential that the file check at load time cannot see.
        if token != nil, let refusal = insecureTransportRefusal { throw refusal }
        var keyPath = sshKeyFile
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent(Self.sshKeyCredential)
            if FileManager.default.fileExists(atPath: path) { keyPath = path }
        }
        if let keyPath, !FileManager.default.isReadableFile(atPath: keyPath) {
            throw ConfigurationError(key: "remote.ssh_key_file", message: "cannot read \(keyPath)")
        }
        let passphrase = try SecretFile.resolve(
            credential: Self.passphraseCredential, file: sshPassphraseFile, key: "remote.ssh_passphrase_file", environment: environment)
        var verify: (@Sendable (String, Int, [UInt8]) -> RemoteAccess.HostKeyVerdict)?
        if let knownHostsFile {
            guard let data = FileManager.default.contents(atPath: knownHostsFile) else {
                throw ConfigurationError(key: "remote.known_hosts_file", message: "cannot read \(knownHostsFile)")
            }
            let knownHosts = KnownHosts(text: String(decoding: data, as: UTF8.self))
            guard !knownHosts.isEmpty else {
                throw ConfigurationError(key: "remote.known_hosts_file", message: "\(knownHostsFile) holds no host key")
            }
            verify = { host, port, blob in knownHosts.verdict(host: host, port: port, keyBlob: blob) }
        }
        return RemoteAccess(
            url: url, httpsUsername: httpsUsername, httpsToken: token, sshPrivateKeyPath: keyPath, sshPassphrase: passphrase,
            verifySSHHostKey: verify)
    }
}
