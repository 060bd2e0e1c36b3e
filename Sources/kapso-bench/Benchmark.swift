import CanonicalJSON
import Foundation
import GitStore
import GitSyncComposition
import KapsoAPI
import KapsoModels
import Logging
import SyncEngine

/// `make bench` (`SCALE=` workflows, 1,000 by default): prints figures for the pull path against the
/// fake on loopback (a separate `kapso-fake` process, so its memory is not counted). First
/// `kapso-gitsync sync` as a process of its own, as cron or a one-shot run pays it (first import,
/// idle, 100 changed), then cycles inside one process, as `run` pays them, phase by phase; then the
/// review commands on the repository that made; then ten more cycles and their loose objects packed.
@main
struct Benchmark {
    static func main() async throws {
        // As the service does, so that the cycles inside this process are what `run` pays.
        MallocArenas.limitUnlessTuned(environment: ProcessInfo.processInfo.environment)
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
        try await measureProcess(url: url, apiKey: apiKey, concurrency: concurrency, client: client, directory: directory)

        print("")
        print("cycles inside one process (as `run`); baseline peak RSS: \(peakMemoryMB()) MB")
        print("cycle / phase          wall ms   CPU ms  requests  objects  peak RSS MB")
        try await measure("first import", engine)
        for _ in 0..<3 { try await measure("idle cycle", engine) }

        try await edit(try await client.listWorkflows().workflows.prefix(10), client: client, suffix: " (edited)")
        try await measure("10 changed workflows", engine)
        for _ in 0..<3 { try await measure("idle cycle", engine) }
        try ReviewBenchmark.run(repository: directory.appendingPathComponent("repo.git"), scratch: directory)
        try await measurePacking(engine, client: client)
    }

    /// `kapso-gitsync sync` (the release binary beside this one) on a repository of its own: each run's
    /// wall time, CPU time and peak memory, the child's alone.
    static func measureProcess(url: URL, apiKey: String, concurrency: Int, client: KapsoClient, directory: URL) async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kapso-gitsync")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = directory.appendingPathComponent("process.yaml")
        let text = """
            kapso:
              api_url: \(url.absoluteString)
              requests_per_minute: 0
              concurrency: \(concurrency)
            repository:
              path: process-repo.git
            state:
              directory: process-state
            status:
              listen: "off"

            """
        try Data(text.utf8).write(to: configuration)
        var environment = ["KAPSO_API_KEY": apiKey]
        if let path = ProcessInfo.processInfo.environment["PATH"] { environment["PATH"] = path }
        print("`kapso-gitsync sync` as a process          wall ms   CPU ms  peak RSS MB")
        let state = directory.appendingPathComponent("process-state").path
        // The debug log's line of phase timings (a dozen lines in all) gives each run's phases.
        let log = directory.appendingPathComponent("sync.log").path
        func sync(_ name: String) throws -> (usage: ChildProcess.Usage, phases: [String]) {
            let usage = try ChildProcess.run(
                executable.path, ["sync", "--config", configuration.path, "--log-level", "debug"], environment: environment,
                errorOutput: log)
            guard usage.status == 0 else { throw BenchmarkError(description: "\(name): kapso-gitsync sync exited \(usage.status)") }
            return (usage, phaseRows(loggedIn: log))
        }
        func printRow(_ label: String, _ run: (usage: ChildProcess.Usage, phases: [String])) {
            print(
                label.padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(format: " %9.1f  %7.0f  %11d", run.usage.wallMilliseconds, run.usage.cpuMilliseconds, run.usage.peakMemoryMB))
            run.phases.forEach { print($0) }
        }
        func run(_ name: String) throws {
            let recorded = IdleRecord.load(from: state)?.cycleID
            let usage = try sync(name)
            // A run that repeated an idle cycle leaves that cycle's record as it was.
            let repeated = recorded != nil && IdleRecord.load(from: state)?.cycleID == recorded
            printRow(name == "idle" ? (repeated ? "idle, repeating an idle cycle" : "idle, whole cycle") : name, usage)
        }
        try run("first import")
        for _ in 0..<3 { try run("idle") }
        // Three runs, each on 100 other workflows, and the median of them: one run of half a second
        // varies by a tenth from one run to the next on this machine.
        let workflows = try await client.listWorkflows().workflows
        var changed: [(usage: ChildProcess.Usage, phases: [String])] = []
        for round in 0..<3 {
            let touched = workflows.dropLast(100 * round % max(workflows.count, 1)).suffix(100)
            try await edit(touched, client: client, suffix: " (touched)")
            changed.append(try sync("\(touched.count) changed"))
        }
        let byCPU = changed.sorted { $0.usage.cpuMilliseconds < $1.usage.cpuMilliseconds }
        printRow("\(min(100, workflows.count)) changed, median of 3", byCPU[1])
        print("  CPU ms of the three: " + changed.map { String(format: "%.0f", $0.usage.cpuMilliseconds) }.joined(separator: ", "))
        for _ in 0..<3 { try run("idle") }
    }

    /// The phases of the cycle a `sync` logged in `path` (`name wall/CPU ms, …`), as rows under its
    /// own; none when it logged none (a run that repeated an idle cycle has no phases).
    static func phaseRows(loggedIn path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let start = text.range(of: "gitsync.phases=\""),
            let end = text[start.upperBound...].firstIndex(of: "\"")
        else { return [] }
        return text[start.upperBound..<end].components(separatedBy: ", ").map { phase in
            // `fetch 6644/7175 ms`, or a part of the phase before it, `canonicalise 1450 ms`.
            var words = phase.split(separator: " ").dropLast()
            let times = words.popLast().map(String.init) ?? ""
            let name = words.joined(separator: " ")
            let parts = times.split(separator: "/")
            let (indent, wall, cpu) = parts.count == 2 ? ("  ", String(parts[0]), String(parts[1])) : ("    ", "-", times)
            func rightAligned(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            return (indent + name).padding(toLength: 40, withPad: " ", startingAt: 0) + " " + rightAligned(wall, 9) + "  "
                + rightAligned(cpu, 7)
        }
    }

    static func edit(_ workflows: some Collection<WorkflowSummary>, client: KapsoClient, suffix: String) async throws {
        for workflow in workflows {
            _ = try await client.send(
                .updateWorkflow(workflow.id),
                body: [
                    "workflow": [
                        "name": .string(workflow.name + suffix), "lock_version": .number(JSONNumber(workflow.lockVersion ?? 0)),
                    ]
                ])
        }
    }

    static func measure(_ name: String, _ engine: SyncEngine) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = cpuMilliseconds()
        let report = try await engine.runCycle()
        // As the service does after each cycle.
        engine.prepareNextCycle()
        let cpu = cpuMilliseconds() - cpuBefore
        let wall = milliseconds(clock.now - start)
        guard report.failures.isEmpty else {
            throw BenchmarkError(description: "\(name): \(report.failures.count) failures, first: \(report.failures[0].reason)")
        }
        let label = report.repeatsIdleCycle == nil ? name : name + " (repeat)"
        print(
            label.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(
                    format: " %8.1f  %7.0f  %8d  %7d  %11d", wall, cpu, report.requests, report.objectsWritten, peakMemoryMB()))
        for phase in report.phases {
            // A part's CPU time is summed over the threads that did it; its wall time is its phase's.
            let wall = phase.wallMilliseconds.map { String(format: "%8.1f", $0) } ?? "       -"
            print(
                ((phase.isPart ? "    " : "  ") + phase.name).padding(toLength: 22, withPad: " ", startingAt: 0)
                    + " \(wall)  " + String(format: "%7.0f", phase.cpuMilliseconds))
        }
    }

    /// Ten cycles of 100 changed workflows each (the ones after the last packing), then their packs
    /// (each commit writes one) and any loose objects merged into one, as a cycle does once
    /// `PackingPolicy.standard`'s limits are passed.
    static func measurePacking(_ engine: SyncEngine, client: KapsoClient) async throws {
        let rounds = 10
        for round in 0..<rounds {
            let listed = try await client.listWorkflows().workflows
            let start = (round * 100) % max(1, listed.count)
            try await edit(listed[start..<min(listed.count, start + 100)], client: client, suffix: " (round \(round))")
            let report = try await engine.runCycle()
            engine.prepareNextCycle()
            guard report.failures.isEmpty else { throw BenchmarkError(description: "round \(round): \(report.failures[0].reason)") }
        }
        let before = try await engine.git.looseObjectCount()
        let peakBefore = peakMemoryMB()
        let clock = ContinuousClock()
        let start = clock.now
        let cpuBefore = cpuMilliseconds()
        let outcome = try await engine.git.packLooseObjects(maximumBytes: PackingPolicy.standard.bytesPerRun)
        let cpu = cpuMilliseconds() - cpuBefore
        let wall = milliseconds(clock.now - start)
        print("")
        print("merging the packs of \(rounds) cycles of 100 changed workflows (peak RSS before: \(peakBefore) MB)")
        print("packs  objects  packs MB  pack MB   wall ms   CPU ms  peak RSS MB")
        print(
            String(
                format: "%5d  %7d  %8.1f  %7.2f  %8.1f  %7.0f  %11d", outcome.packsMerged, outcome.packed,
                Double(outcome.packBytesRemoved + outcome.looseBytesRemoved) / 1_048_576, Double(outcome.packBytes) / 1_048_576, wall,
                cpu, peakMemoryMB()))
        guard outcome.damaged.isEmpty, outcome.leftLoose == 0, outcome.packsMerged == before.smallPacks else {
            throw BenchmarkError(description: "packing left packs or objects as they were: \(outcome)")
        }
    }

    /// A duration in milliseconds, for the tables.
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
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
