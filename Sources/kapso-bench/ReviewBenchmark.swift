import CanonicalJSON
import Foundation

/// The review commands as a pull request's CI runs them, each a `kapso-gitsync` process: `diff`
/// between the benchmark repository's last two commits (ten workflows changed among all), and `graph`
/// of a generated 200-node workflow against an edit of it. Five runs each; the median is printed.
enum ReviewBenchmark {
    static func run(repository: URL, scratch: URL) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("kapso-gitsync")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw Benchmark.BenchmarkError(
                description: "no kapso-gitsync beside kapso-bench (swift build -c release --product kapso-gitsync)")
        }
        let checkout = try graphCheckout(in: scratch)
        print("")
        print("review commands (one process each, median of 5)    wall ms   CPU ms")
        try measure("diff HEAD~1 HEAD, 10 of all changed", binary, ["diff", "--repo", repository.path, "HEAD~1", "HEAD"])
        try measure("graph, 200 nodes, mermaid", binary, ["graph", "big", "--against", "HEAD~1", "--directory", checkout.path])
        try measure(
            "graph, 200 nodes, dot", binary, ["graph", "big", "--against", "HEAD~1", "--format", "dot", "--directory", checkout.path])
        try measure("review HEAD~1 HEAD, 200 nodes", binary, ["review", "HEAD~1", "HEAD", "--directory", checkout.path])
    }

    static func measure(_ name: String, _ binary: URL, _ arguments: [String]) throws {
        var walls: [Double] = []
        var cpus: [Double] = []
        for _ in 0..<5 {
            let cpuBefore = childCPUMilliseconds()
            let start = ContinuousClock.now
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Benchmark.BenchmarkError(description: "\(name): kapso-gitsync exited \(process.terminationStatus)")
            }
            let elapsed = ContinuousClock.now - start
            walls.append(Benchmark.milliseconds(elapsed))
            cpus.append(childCPUMilliseconds() - cpuBefore)
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: " %8.1f  %7.0f", median(walls), median(cpus)))
    }

    /// A checkout with a 200-node workflow committed, then edited in a second commit.
    static func graphCheckout(in scratch: URL) throws -> URL {
        let checkout = scratch.appendingPathComponent("graph-checkout")
        let folder = checkout.appendingPathComponent("workflows/big")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("name: Big\nslug: big\nstatus: active\ndefinition: definition.json\n".utf8).write(
            to: folder.appendingPathComponent("workflow.yaml"))
        try git(["init", "-q"], in: checkout)
        for version in 0..<2 {
            try Data(CanonicalJSONWriter.canonicalBytes(definition(nodes: 200, edited: version == 1)))
                .write(to: folder.appendingPathComponent("definition.json"))
            try git(["add", "-A"], in: checkout)
            try git(["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "v\(version)"], in: checkout)
        }
        return checkout
    }

    /// A chain of messages, questions, decisions (each also branching ahead) and agents; edited: a
    /// prompt reworded every 20 nodes, one node removed and one added.
    static func definition(nodes count: Int, edited: Bool) -> JSONValue {
        let types = ["send_text", "wait_for_response", "decide", "agent"]
        var nodes: [JSONValue] = []
        var edges: [JSONValue] = []
        for index in 0..<count where !(edited && index == count / 2) {
            let type = index == 0 ? "start" : types[index % types.count]
            let reworded = edited && index % 20 == 3
            let config: JSONValue = [
                "message": .string("Step \(index)\nSay it \(reworded ? "kindly" : "briefly").\nAnswer in Spanish.")
            ]
            nodes.append([
                "id": .string("step_\(index)"), "type": "flow-node",
                "position": ["x": .number(JSONNumber((index % 5) * 240)), "y": .number(JSONNumber(index * 120))],
                "data": ["node_type": .string(type), "config": config],
            ])
            if index > 0 { edges.append(["source": .string("step_\(index - 1)"), "target": .string("step_\(index)"), "label": "next"]) }
            if type == "decide", index + 3 < count {
                edges.append(["source": .string("step_\(index)"), "target": .string("step_\(index + 3)"), "label": "other"])
            }
        }
        if edited {
            nodes.append([
                "id": "added", "type": "flow-node", "position": ["x": 0, "y": 0],
                "data": ["node_type": "send_text", "config": ["message": "New"]],
            ])
            edges.append(["source": "step_0", "target": "added", "label": "next"])
        }
        return ["nodes": .array(nodes), "edges": .array(edges)]
    }

    static func git(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Benchmark.BenchmarkError(description: "git \(arguments.first ?? ""): failed") }
    }

    static func childCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec) / 1000 + Double(usage.ru_stime.tv_sec) * 1000
            + Double(usage.ru_stime.tv_usec) / 1000
    }
}
