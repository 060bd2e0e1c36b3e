import Foundation

/// Runs one of the package's executables as a real process, as an operator would.
enum ProcessRunner {
    struct Result: Sendable {
        let status: Int32
        let standardOutput: String
        let standardError: String
        var combined: String { standardOutput + standardError }
    }

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
    ) async throws -> Result {
        let process = Process()
        process.executableURL = executable(name)
        process.arguments = arguments
        var fullEnvironment = ProcessInfo.processInfo.environment
        fullEnvironment.removeValue(forKey: "KAPSO_API_KEY")
        fullEnvironment.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        fullEnvironment.merge(environment) { _, new in new }
        process.environment = fullEnvironment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        // Blocking reads go to Dispatch threads: on two cores a blocked cooperative thread would starve
        // the in-process fake the child is talking to.
        let outputTask = Task { await readToEnd(output.fileHandleForReading) }
        let errorTask = Task { await readToEnd(error.fileHandleForReading) }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Result(
            status: status, standardOutput: String(decoding: await outputTask.value, as: UTF8.self),
            standardError: String(decoding: await errorTask.value, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}
