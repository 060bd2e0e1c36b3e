import Foundation
import Synchronization

/// A fresh folder under the system temp dir, removed when the test is done, or at the latest when the
/// test process exits: a test's `defer { Task { await harness.stop() } }` may still hold its harness
/// (and so its folder) when the last test of the process returns.
public final class TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kapso-gitsync-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        _ = Self.registerExitCleanup
        let path = url.path
        Self.live.withLock { _ = $0.insert(path) }
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
        let path = url.path
        Self.live.withLock { _ = $0.remove(path) }
    }

    /// The folders not removed yet.
    private static let live = Mutex<Set<String>>([])

    private static let registerExitCleanup: Void = {
        atexit {
            for path in TemporaryDirectory.live.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }()
}

/// Runs the git CLI the way a person would, to inspect what the product wrote (output and errors together).
public func runGit(_ arguments: [String], in directory: String? = nil) async throws -> (status: Int32, output: String) {
    try await runGit(commands: [arguments], in: directory)
}

/// Several git commands in one child process (`git … && git …`): a spawn from the large test process
/// costs far more than from a shell.
public func runGit(commands: [[String]], in directory: String? = nil) async throws -> (status: Int32, output: String) {
    let script = commands.map { (["git"] + $0).map(shellQuoted).joined(separator: " ") }.joined(separator: " && ")
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_AUTHOR_NAME"] = "Test Person"
    environment["GIT_AUTHOR_EMAIL"] = "person@example.invalid"
    environment["GIT_COMMITTER_NAME"] = "Test Person"
    environment["GIT_COMMITTER_EMAIL"] = "person@example.invalid"
    let result = try await runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script], environment: environment, directory: directory)
    return (result.status, result.combined)
}

private func shellQuoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
