import CanonicalJSON
import Foundation
import GitStore
import KapsoAPI
import KapsoModels
import Logging
import SyncEngine

/// `make bench`: prints figures for the pull path against the fake on loopback (a separate
/// `kapso-fake` process, so its memory is not counted): first import, idle cycle, ten changed
/// workflows; then the review commands on the repository that made.
@main
struct Benchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let workflows = Int(value(of: "--workflows", in: arguments) ?? "") ?? 1000
        let nodes = Int(value(of: "--nodes", in: arguments) ?? "") ?? 40
        let concurrency = Int(value(of: "--concurrency", in: arguments) ?? "") ?? 4

        let apiKey = "bench-\(UUID().uuidString)"
        let (fakeProcess, url) = try startFake(workflows: workflows, nodes: nodes, apiKey: apiKey)
        defer { fakeProcess.terminate() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kapso-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        let client = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: url, apiKey: APIKey(apiKey), requestsPerMinute: 0, concurrency: concurrency))
        let git = try GitStore(path: directory.appendingPathComponent("repo.git").path)
        let engine = SyncEngine(
            client: client, git: git,
            configuration: SyncConfiguration(
                author: Signature(name: "bench", email: "bench@example.invalid"),
                stateDirectory: directory.appendingPathComponent("state").path),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))

        print("kapso-gitsync pull benchmark: \(workflows) workflows x \(nodes) nodes, concurrency \(concurrency), no rate limit")
        print("baseline peak RSS: \(peakMemoryMB()) MB")
        print("phase                  wall ms   CPU ms  requests  objects  peak RSS MB")
        try await measure("first import", engine)
        try await measure("idle cycle", engine)
        try await measure("idle cycle (again)", engine)

        let list = try await client.listWorkflows().workflows.prefix(10)
        for workflow in list {
            _ = try await client.send(
                .updateWorkflow(workflow.id),
                body: [
                    "workflow": [
                        "name": .string(workflow.name + " (edited)"), "lock_version": .number(JSONNumber(workflow.lockVersion ?? 0)),
                    ]
                ])
        }
        try await measure("10 changed workflows", engine)
        try await measure("idle cycle", engine)
        try ReviewBenchmark.run(repository: directory.appendingPathComponent("repo.git"), scratch: directory)
    }

    static func measure(_ name: String, _ engine: SyncEngine) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = cpuMilliseconds()
        let report = try await engine.runCycle()
        let cpu = cpuMilliseconds() - cpuBefore
        let elapsed = clock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        guard report.failures.isEmpty else {
            throw BenchmarkError(description: "\(name): \(report.failures.count) failures, first: \(report.failures[0].reason)")
        }
        print(
            name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(
                    format: " %8.1f  %7.0f  %8d  %7d  %11d", milliseconds, cpu, report.requests, report.objectsWritten, peakMemoryMB()))
    }

    static func startFake(workflows: Int, nodes: Int, apiKey: String) throws -> (Process, URL) {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kapso-fake")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--generate", String(workflows), "--nodes", String(nodes)]
        process.environment = ["KAPSO_API_KEY": apiKey]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while let byte = output.fileHandleForReading.readData(ofLength: 1).first, byte != 0x0A { line.append(byte) }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard words.count > 3, let url = URL(string: String(words[3])) else {
            throw BenchmarkError(description: "kapso-fake did not start (build it with: swift build -c release --product kapso-fake)")
        }
        return (process, url)
    }

    /// User and system CPU time of this process: steadier than wall time on a shared machine, and
    /// it leaves out the fake, which runs in its own process.
    static func cpuMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec) / 1000
        let system = Double(usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_stime.tv_usec) / 1000
        return user + system
    }

    static func peakMemoryMB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    static func value(of option: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: option), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    struct BenchmarkError: Error, CustomStringConvertible { let description: String }
}
