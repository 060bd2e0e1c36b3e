import Foundation
import TestSupport

/// Runs one of the package's executables as a real process, as an operator would.
enum ProcessRunner {
    /// The folder with the built executables: next to the test bundle, else `.build/debug`.
    static let binaryDirectory: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: besideTests.appendingPathComponent("kapso-gitsync").path) {
            return besideTests
        }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root.appendingPathComponent(".build/debug")
    }()

    static func executable(_ name: String) -> URL {
        binaryDirectory.appendingPathComponent(name)
    }

    static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> ProcessResult {
        var fullEnvironment = ProcessInfo.processInfo.environment
        fullEnvironment.removeValue(forKey: "KAPSO_API_KEY")
        fullEnvironment.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        fullEnvironment.merge(environment) { _, new in new }
        return try await runProcess(executable(name), arguments, environment: fullEnvironment, directory: directory)
    }
}
