import Foundation
import GitStore
import GitSyncConfig
import SyncEngine
import TestSupport
import Testing

/// The git server over SSH: OpenSSH's sshd with `git-shell`, keys and a `known_hosts` made by the test.
/// On the real-workflow fixtures (`RemoteCycleTests.makeServer`).
@Suite(Fixtures.required) struct SSHRemoteTests {
    func access(_ ssh: SSHServer, origin: String, key: String, knownHosts: String, passphrase: String? = nil) -> RemoteAccess {
        let hosts = KnownHosts(text: knownHosts)
        var access = RemoteAccess(
            url: ssh.url(path: origin), sshPrivateKeyPath: key, sshPassphrase: passphrase,
            verifySSHHostKey: { host, port, blob in hosts.verdict(host: host, port: port, keyBlob: blob) })
        // libssh2 1.10 was seen waiting forever for a reference list sshd had sent: cut and retried
        // sooner than in production, so that such a run costs seconds, not minutes.
        access.stallTimeout = .seconds(20)
        return access
    }

    @Test func anEd25519KeyAndTheRightHostKeySyncOverSSH() async throws {
        try #require(SSHServer.isAvailable, "sshd is needed (apt-get install openssh-server)")
        let server = try await RemoteCycleTests().makeServer()
        defer { Task { await server.fake.stop() } }
        let ssh = try await SSHServer(directory: server.directory)
        let engine = try server.instance(
            "a", access: access(ssh, origin: server.origin, key: ssh.ed25519Key, knownHosts: ssh.knownHostsLine))
        let imported = try await engine.runCycle()
        #expect(imported.pulled.count == 6)
        #expect(try await server.originGit("rev-list", "--count", "main").hasPrefix("1"))
        // And back: a second instance fetches what the first pushed, and has nothing to do.
        let second = try server.instance(
            "b", access: access(ssh, origin: server.origin, key: ssh.ed25519Key, knownHosts: ssh.knownHostsLine))
        let report = try await second.runCycle()
        #expect(!report.hasChanges && report.commit == nil, "\(report.summaryLines())")
    }

    @Test func aChangedOrUnknownHostKeyIsRefused() async throws {
        try #require(SSHServer.isAvailable, "sshd is needed (apt-get install openssh-server)")
        let server = try await RemoteCycleTests().makeServer()
        defer { Task { await server.fake.stop() } }
        let ssh = try await SSHServer(directory: server.directory)
        let impostorKey = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
        let cases = [
            ("[127.0.0.1]:\(ssh.port) ssh-ed25519 \(impostorKey)\n", "does not match the known_hosts file"),
            ("github.com ssh-ed25519 \(impostorKey)\n", "is not in the known_hosts file"),
        ]
        for (index, (knownHosts, message)) in cases.enumerated() {
            let engine = try server.instance(
                "x\(index)", access: access(ssh, origin: server.origin, key: ssh.ed25519Key, knownHosts: knownHosts))
            do {
                _ = try await engine.runCycle()
                Issue.record("an untrusted host key must fail the cycle")
            } catch {
                guard case .remote(let remote) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(remote.kind == .hostKey, "\(remote)")
                #expect(remote.message.contains(message), "\(remote)")
            }
        }
        let originMain = try await runGit(["--git-dir", server.origin, "rev-parse", "--verify", "-q", "refs/heads/main"])
        #expect(originMain.status != 0, "nothing was pushed to an unverified server")
    }

    @Test func anRSAKeyFailsWithAnErrorThatSaysWhy() async throws {
        try #require(SSHServer.isAvailable, "sshd is needed (apt-get install openssh-server)")
        let server = try await RemoteCycleTests().makeServer()
        defer { Task { await server.fake.stop() } }
        let ssh = try await SSHServer(directory: server.directory)
        let engine = try server.instance("a", access: access(ssh, origin: server.origin, key: ssh.rsaKey, knownHosts: ssh.knownHostsLine))
        do {
            _ = try await engine.runCycle()
            Issue.record("an RSA key must fail against modern OpenSSH")
        } catch {
            guard case .remote(let remote) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(remote.kind == .authentication, "\(remote)")
            #expect(remote.message.contains("use an ed25519 or ECDSA key"), "\(remote)")
        }
    }

    @Test func anECDSAKeyWithAPassphraseWorksAndWithoutItIsRefused() async throws {
        try #require(SSHServer.isAvailable, "sshd is needed (apt-get install openssh-server)")
        let server = try await RemoteCycleTests().makeServer()
        defer { Task { await server.fake.stop() } }
        let ssh = try await SSHServer(directory: server.directory)
        let locked = try server.instance(
            "locked", access: access(ssh, origin: server.origin, key: ssh.ecdsaKeyWithPassphrase, knownHosts: ssh.knownHostsLine))
        await #expect(throws: SyncError.self) { _ = try await locked.runCycle() }
        let engine = try server.instance(
            "a",
            access: access(
                ssh, origin: server.origin, key: ssh.ecdsaKeyWithPassphrase, knownHosts: ssh.knownHostsLine,
                passphrase: SSHServer.passphrase))
        let imported = try await engine.runCycle()
        #expect(imported.pulled.count == 6)
        #expect(try await server.originGit("rev-list", "--count", "main").hasPrefix("1"))
    }
}
