import Foundation
import Synchronization
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `kapso-gitsync run` as a real child process: its output collected as it comes, signals, exit.
final class ServiceProcess: Sendable {
    private let process: Process
    private let output = Mutex<String>("")
    private let exitStatus = Mutex<Int32?>(nil)
    /// Left once both pipes reached their end.
    private let drained = DispatchGroup()

    /// `journalStream`: set `JOURNAL_STREAM` to the standard error pipe, as systemd does for the journal.
    init(arguments: [String], environment: [String: String], journalStream: Bool = false) throws {
        let process = Process()
        process.executableURL = ProcessRunner.executable("kapso-gitsync")
        process.arguments = ["run"] + arguments
        var fullEnvironment = ProcessInfo.processInfo.environment
        for name in fullEnvironment.keys
        where name == "KAPSO_API_KEY" || name == "CREDENTIALS_DIRECTORY" || name.hasPrefix("KAPSO_GITSYNC_") || name == "NOTIFY_SOCKET"
            || name.hasPrefix("WATCHDOG_") || name == "JOURNAL_STREAM"
        {
            fullEnvironment.removeValue(forKey: name)
        }
        fullEnvironment.merge(environment) { _, new in new }
        let standardOutput = Pipe()
        let standardError = Pipe()
        if journalStream {
            var info = stat()
            guard fstat(standardError.fileHandleForWriting.fileDescriptor, &info) == 0 else { throw CocoaError(.fileReadUnknown) }
            fullEnvironment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        }
        process.environment = fullEnvironment
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        self.process = process
        // Blocking reads on Dispatch threads: never on Swift's cooperative pool, which the fake needs.
        process.terminationHandler = { [self] finished in exitStatus.withLock { $0 = finished.terminationStatus } }
        try launch(process)
        for handle in [standardOutput.fileHandleForReading, standardError.fileHandleForReading] {
            drained.enter()
            onThreadOfItsOwn { [self] in
                while true {
                    let data = PipeReader.chunk(handle)
                    if data.isEmpty { break }
                    output.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
                drained.leave()
            }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var pid: Int32 { process.processIdentifier }
    var text: String { output.withLock { $0 } }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Polls the output until `predicate` holds; the output so far, or nil after `timeout` seconds.
    @discardableResult
    func waitForOutput(timeout: Double = 60, _ predicate: (String) -> Bool) async -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let current = text
            if predicate(current) { return current }
            if exitStatus.withLock({ $0 }) != nil { return predicate(text) ? text : nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    func count(of fragment: String) -> Int {
        text.components(separatedBy: fragment).count - 1
    }

    /// The exit status, or nil if the process still runs after `timeout` seconds.
    func waitForExit(timeout: Double = 60) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = exitStatus.withLock({ $0 }) {
                // Let the readers drain what the process wrote last.
                for _ in 0..<40 where drained.wait(timeout: .now()) == .timedOut { try? await Task.sleep(for: .milliseconds(25)) }
                return status
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        // A starved test may wake past its deadline: an exit that happened meanwhile still counts.
        return exitStatus.withLock { $0 }
    }

    /// The status server's address, from the line the service logs once it listens.
    func statusAddress(timeout: Double = 60) async -> String? {
        guard let text = await waitForOutput(timeout: timeout, { $0.contains("status server listening gitsync.address=") }) else {
            return nil
        }
        let after = text.components(separatedBy: "status server listening gitsync.address=")[1]
        return after.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init)
    }
}

/// Plain HTTP to the service's status server, as curl or Prometheus would.
enum StatusProbe {
    struct Answer: Sendable {
        let status: Int
        let body: String
    }

    static func request(
        _ method: String, _ address: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://\(address)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    continuation.resume(returning: Answer(status: status, body: String(decoding: data ?? Data(), as: UTF8.self)))
                }
            }.resume()
        }
    }
}
