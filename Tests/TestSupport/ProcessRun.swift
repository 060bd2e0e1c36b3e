import Foundation
import Synchronization

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
        // Started from a thread of its own: waiting for the start lock must not hold one of the two
        // threads of Swift's cooperative pool, which the in-process fakes need; and with a full-size
        // stack, as `Process.run()` crashed at a page boundary (a bad pointer in `memcpy`) on a Dispatch
        // worker's small one.
        let start = Thread {
            do {
                try launch(process)
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        start.stackSize = 8 << 20
        start.start()
    }
    return ProcessResult(
        status: status, standardOutput: String(decoding: await outputTask.value, as: UTF8.self),
        standardError: String(decoding: await errorTask.value, as: UTF8.self))
}

private func readToEnd(_ handle: FileHandle) async -> Data {
    await withCheckedContinuation { continuation in
        onThreadOfItsOwn {
            let data = PipeReader.all(handle)
            // Foundation does not close a pipe's read end when the `Pipe` goes: without this, every
            // process a test runs leaks two descriptors (a long soak ran out of them).
            try? handle.close()
            continuation.resume(returning: data)
        }
    }
}

/// Foundation's `Process.run()` crashed the test process (a bad pointer in `memcpy`) when parallel
/// tests started processes at the same moment: every test starts its processes through this one lock.
/// Only the start is serialised; the processes run and are waited for in parallel.
public func launch(_ process: Process) throws {
    try launchLock.withLock { _ in try process.run() }
}

private let launchLock = Mutex<Void>(())

/// Runs `body` on a new thread. A read that blocks until a child process ends must not hold a thread
/// of Dispatch's global queues: with dozens of tests reading their children at once, those queues
/// stopped growing, and children blocked on a full pipe that nobody read (every service test then
/// waited for a first cycle that could not finish).
public func onThreadOfItsOwn(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.stackSize = 1 << 20
    thread.start()
}
