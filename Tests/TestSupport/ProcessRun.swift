import Foundation

/// The outcome of a child process.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
    public var combined: String { standardOutput + standardError }
}

/// Runs a process to the end without blocking a thread of Swift's cooperative pool: on two cores, a
/// blocked pool thread starves the in-process fake that the child (or the test) talks to.
public func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil
) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
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
    return ProcessResult(
        status: status, standardOutput: String(decoding: await outputTask.value, as: UTF8.self),
        standardError: String(decoding: await errorTask.value, as: UTF8.self))
}

private func readToEnd(_ handle: FileHandle) async -> Data {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: PipeReader.all(handle)) }
    }
}
