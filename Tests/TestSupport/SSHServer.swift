import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// OpenSSH's `sshd` on 127.0.0.1 with a host key, client keys and an `authorized_keys` made for the
/// test, every login forced into `git-shell` (as a git host's `git` user is). It runs as the current
/// user and admits only that user: no system user is created, and no root is needed but for the
/// privilege separation folder sshd wants when it does run as root.
public final class SSHServer: Sendable {
    public let port: Int
    public let user: String
    public let hostPublicKey: String
    /// Private keys the server accepts: ed25519, RSA, and ECDSA protected by `passphrase`.
    public let ed25519Key: String
    public let rsaKey: String
    public let ecdsaKeyWithPassphrase: String
    public static let passphrase = "correct horse battery staple"
    private let pidFile: String

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") }

    public init(directory: TemporaryDirectory) async throws {
        let root = directory.path + "/sshd"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let keys = [
            ("host", "ed25519", ""), ("client-ed25519", "ed25519", ""), ("client-rsa", "rsa", ""),
            ("client-ecdsa", "ecdsa", Self.passphrase),
        ]
        for (name, type, passphrase) in keys {
            let result = try await runProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                ["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", name, "-f", "\(root)/\(name)"])
            guard result.status == 0 else { throw StartError(description: "ssh-keygen: \(result.combined)") }
        }
        let authorized =
            try String(contentsOfFile: "\(root)/client-ed25519.pub", encoding: .utf8)
            + String(contentsOfFile: "\(root)/client-rsa.pub", encoding: .utf8)
            + String(contentsOfFile: "\(root)/client-ecdsa.pub", encoding: .utf8)
        try authorized.write(toFile: "\(root)/authorized_keys", atomically: true, encoding: .utf8)
        for file in ["host", "client-ed25519", "client-rsa", "client-ecdsa", "authorized_keys"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(root)/\(file)")
        }
        if getuid() == 0 { try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true) }
        port = try Self.freePort()
        user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(root)/host
            PidFile \(root)/sshd.pid
            AuthorizedKeysFile \(root)/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            AllowUsers \(user)
            ForceCommand git-shell -c "$SSH_ORIGINAL_COMMAND"
            LogLevel VERBOSE

            """
        try config.write(toFile: "\(root)/sshd_config", atomically: true, encoding: .utf8)
        hostPublicKey = try String(contentsOfFile: "\(root)/host.pub", encoding: .utf8)
        ed25519Key = "\(root)/client-ed25519"
        rsaKey = "\(root)/client-rsa"
        ecdsaKeyWithPassphrase = "\(root)/client-ecdsa"

        // Daemonised, not a child of this process: Foundation's Process monitor blocks in wait4() on a
        // long-running child sshd and then misses every other child's exit.
        let log = "\(root)/sshd.log"
        let started = try await runProcess(URL(fileURLWithPath: "/usr/sbin/sshd"), ["-f", "\(root)/sshd_config", "-E", log])
        guard started.status == 0 else { throw StartError(description: "sshd: \(started.combined)") }
        pidFile = "\(root)/sshd.pid"
        for _ in 0..<200 {
            if (try? String(contentsOfFile: log, encoding: .utf8))?.contains("Server listening on") == true { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw StartError(description: "sshd did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "no log")")
    }

    deinit {
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGTERM)
        }
    }

    /// The `known_hosts` line for this server, as `ssh-keyscan -p PORT 127.0.0.1` prints it.
    public var knownHostsLine: String {
        let parts = hostPublicKey.split(separator: " ")
        return "[127.0.0.1]:\(port) \(parts[0]) \(parts[1])\n"
    }

    public func url(path: String) -> String { "ssh://\(user)@127.0.0.1:\(port)\(path)" }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
