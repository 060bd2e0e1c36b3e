import CanonicalJSON
import Foundation
import GitStore
import KapsoAPI
import KapsoFake
import Logging
import SyncEngine
import TestSupport

/// A fake Kapso on 127.0.0.1, a bare repository in a temp dir, and an engine between them.
final class SyncHarness: Sendable {
    static let apiKey = "harness-key-\(UUID().uuidString)"
    let directory: TemporaryDirectory
    let fake: KapsoFake
    let git: GitStore
    let engine: SyncEngine
    var repositoryPath: String { git.path }

    init(
        fullResyncIntervalSeconds: Int = 3600, fakeOptions: KapsoFake.Options = .init(apiKey: SyncHarness.apiKey),
        seed: (KapsoFake) async throws -> Void
    ) async throws {
        directory = try TemporaryDirectory()
        fake = KapsoFake(options: fakeOptions)
        try await seed(fake)
        let url = try await fake.start()
        let client = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: url, apiKey: APIKey(Self.apiKey), requestTimeout: .seconds(10),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)), requestsPerMinute: 0,
                concurrency: 4))
        git = try GitStore(path: directory.path + "/repo.git")
        engine = SyncEngine(
            client: client, git: git,
            configuration: SyncConfiguration(
                branch: "main", author: Signature(name: "kapso-gitsync", email: "bot@example.invalid"),
                stateDirectory: directory.path + "/state", fullResyncIntervalSeconds: fullResyncIntervalSeconds),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func stop() async { await fake.stop() }

    func git(_ arguments: String...) throws -> String {
        let result = try runGit(["--git-dir", repositoryPath] + arguments)
        guard result.status == 0 else { throw HarnessError(description: "git \(arguments.joined(separator: " ")): \(result.output)") }
        return result.output
    }

    func file(_ path: String, at revision: String = "main") throws -> [UInt8] {
        Array(try git("show", "\(revision):\(path)").utf8)
    }

    func commitCount() throws -> Int {
        Int(try git("rev-list", "--count", "main").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    struct HarnessError: Error, CustomStringConvertible { let description: String }
}
