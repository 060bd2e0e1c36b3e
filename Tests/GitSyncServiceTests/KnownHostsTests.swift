import Crypto
import Foundation
import GitStore
import GitSyncComposition
import GitSyncConfig
import TestSupport
import Testing

@Suite struct KnownHostsTests {
    static let key = [UInt8](repeating: 7, count: 51)
    static let otherKey = [UInt8](repeating: 9, count: 51)
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func hashed(_ name: String, salt: [UInt8] = Array(0..<20)) -> String {
        let hash = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
        return "|1|\(Data(salt).base64EncodedString())|\(Data(hash).base64EncodedString())"
    }

    static let file = """
        # comment
        github.com,140.82.121.4 ssh-ed25519 \(base64(key))
        [git.example.com]:2222 ecdsa-sha2-nistp256 \(base64(key)) deploy
        \(hashed("hashed.example.com")) ssh-ed25519 \(base64(key))
        @revoked old.example.com ssh-ed25519 \(base64(otherKey))
        old.example.com ssh-ed25519 \(base64(key))
        @cert-authority *.example.com ssh-ed25519 \(base64(otherKey))
        broken line
        """

    @Test(arguments: [
        ("github.com", 22, key, RemoteAccess.HostKeyVerdict.trusted),
        ("140.82.121.4", 22, key, .trusted),
        ("github.com", 22, otherKey, .mismatch),
        ("github.com", 2222, key, .unknownHost),
        ("git.example.com", 2222, key, .trusted),
        ("git.example.com", 22, key, .unknownHost),
        ("hashed.example.com", 22, key, .trusted),
        ("hashed.example.com", 22, otherKey, .mismatch),
        ("old.example.com", 22, otherKey, .mismatch),
        ("old.example.com", 22, key, .trusted),
        ("gitlab.com", 22, key, .unknownHost),
    ])
    func verdicts(host: String, port: Int, blob: [UInt8], expected: RemoteAccess.HostKeyVerdict) {
        #expect(KnownHosts(text: Self.file).verdict(host: host, port: port, keyBlob: blob) == expected)
    }

    @Test func anEmptyFileKnowsNoHost() {
        #expect(KnownHosts(text: "# nothing\n").isEmpty)
        #expect(KnownHosts(text: "").verdict(host: "github.com", port: 22, keyBlob: Self.key) == .unknownHost)
    }

    @Test(arguments: [
        ("https://x-access-token:secret@github.com/org/repo.git", "https://***@github.com/org/repo.git"),
        ("https://github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("ssh://git@github.com/org/repo.git", "ssh://***@github.com/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("/srv/repo.git", "/srv/repo.git"),
    ])
    func displayedURLsCarryNoCredentials(url: String, shown: String) {
        #expect(RemoteAccess(url: url).displayURL == shown)
    }

    @Test(arguments: [
        ("remote:\n  url: git@github.com:org/flows.git\n", "remote.known_hosts_file"),
        ("remote:\n  url: ssh://git@host/org/flows.git\n", "remote.known_hosts_file"),
        ("remote:\n  url: https://user:secret@github.com/org/flows.git\n", "remote.url"),
        ("remote:\n  https_token_file: token\n", "remote.https_token_file"),
        ("remote:\n  url: /srv/flows.git\n  push_rounds: 0\n", "remote.push_rounds"),
    ])
    func remoteConfigurationErrorsNameTheKey(section: String, key: String) {
        #expect {
            try ConfigurationLoader.parse(
                "repository:\n  path: r.git\n" + section, source: "test", baseDirectory: "/etc", environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func aRemoteIsConfiguredWithItsDefaults() throws {
        let configuration = try ConfigurationLoader.parse(
            "repository:\n  path: r.git\nremote:\n  url: https://github.com/org/flows.git\n  https_token_file: token\n", source: "test",
            baseDirectory: "/etc", environment: [:])
        let remote = try #require(configuration.remote)
        #expect(remote.httpsUsername == "x-access-token")
        #expect(remote.httpsTokenFile == "/etc/token")
        #expect(remote.pushRounds == 3)
        #expect(remote.commitTo == .main)
        #expect(configuration.syncConfiguration.branch == "main")
        #expect(configuration.redactedDescription.contains("remote.url: https://github.com/org/flows.git"))
        let incoming = try ConfigurationLoader.parse(
            "repository:\n  path: r.git\nremote:\n  url: /srv/flows.git\n  commit_to: incoming\n", source: "test", baseDirectory: "/etc",
            environment: [:])
        #expect(incoming.syncConfiguration.branch == "kapso-gitsync/incoming")
        #expect(incoming.syncConfiguration.remote?.mainBranch == "main")
    }

    /// The token is read from its file before every fetch and push: a rotated token is used at once.
    @Test func aRotatedTokenIsPickedUpWithoutARestart() throws {
        let directory = try TemporaryDirectory()
        let tokenFile = directory.path + "/git-token"
        try "first-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.parse(
            "repository:\n  path: r.git\nremote:\n  url: https://github.com/acme/flows.git\n  https_token_file: git-token\n",
            source: "test", baseDirectory: directory.path, environment: [:])
        let settings = try #require(configuration.remote)
        #expect(try settings.access(environment: [:]).httpsToken == "first-token")
        try "second-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        #expect(try settings.access(environment: [:]).httpsToken == "second-token")
        #expect(!"\(try settings.access(environment: [:]))".contains("second-token"))
        try FileManager.default.removeItem(atPath: tokenFile)
        #expect {
            try settings.access(environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.key == "remote.https_token_file"
        }
    }
}
