import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// Interleaves edits in Kapso, commits in git, cycles and crashes at random (seeded), resolves conflicts
/// the way a person would (keeping both edits), and checks that everything converges, no edit is lost,
/// and the repository stays sound. Kapso edits rename workflows; git edits move start nodes: each edit
/// is distinguishable, so the final state tells whether any was dropped.
@Suite struct RandomisedSyncTests {
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: Array(1...20))
    func convergesWithoutLosingAnEdit(seed: Int) async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3, seed: UInt64(seed)) }
        defer { Task { await harness.stop() } }
        var random = Random(state: UInt64(seed) &* 7919)
        _ = try await harness.engine.runCycle()
        let slugs = await harness.fake.workflows.map(\.slug)
        var expectedName: [String: String] = [:]
        var expectedX: [String: Int] = [:]
        var engine = try harness.restartedEngine()

        for step in 1...14 {
            let slug = slugs[random.next(slugs.count)]
            switch random.next(6) {
            case 0:
                let id = try #require(await harness.fake.workflow(slug: slug)?.id)
                let name = "Kapso edit \(step)"
                await harness.fake.simulateEditorEdit(workflowID: id) { $0.name = name }
                expectedName[slug] = name
            case 1:
                let x = step * 10
                try await harness.personCommits("Move \(slug)") { checkout in
                    try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) { $0.setStartX(x) }
                }
                expectedX[slug] = x
            case 2:
                let points = SyncEngine.CrashPoint.allCases
                _ = try? await harness.restartedEngine(crashingAt: points[random.next(points.count)]).runCycle()
                engine = try harness.restartedEngine()
            case 3:
                try await resolveConflicts(harness, expectedX: expectedX)
            default:
                _ = try? await engine.runCycle()
            }
        }

        // A person resolves what is left, and the service runs until nothing remains.
        var last: CycleReport?
        for _ in 0..<5 {
            try await resolveConflicts(harness, expectedX: expectedX)
            let report = try await engine.runCycle()
            last = report
            if !report.hasChanges && report.conflicts.isEmpty && report.failures.isEmpty { break }
        }
        let final = try #require(last)
        #expect(final.conflicts.isEmpty && final.failures.isEmpty && final.invalid.isEmpty, "seed \(seed): \(final.summaryLines())")
        for slug in slugs {
            let kapso = try #require(await harness.fake.workflow(slug: slug))
            if let name = expectedName[slug] { #expect(kapso.name == name, "seed \(seed): Kapso lost the rename of \(slug)") }
            if let x = expectedX[slug] {
                #expect(
                    kapso.nodes.first { $0["id"]?.stringValue == "start" }?["position"]?["x"]?.numberValue?.intValue == x,
                    "seed \(seed): Kapso lost the git edit of \(slug)")
            }
            let yaml = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml"), as: UTF8.self)
            #expect(yaml.contains("name: \(kapso.name)\n"), "seed \(seed): git and Kapso differ on \(slug)")
        }
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }

    /// Merges every conflict branch as a person would in a pull request: Kapso's version of the
    /// workflow with the person's own edit applied again, and the base entry from the branch.
    func resolveConflicts(_ harness: SyncHarness, expectedX: [String: Int]) async throws {
        let branches = try await harness.git("branch", "--list", "kapso-gitsync/conflict/*", "--format=%(refname:short)")
            .split(separator: "\n").map(String.init)
        for branch in branches {
            // Already merged, waiting for the next cycle to notice and delete it.
            if try await runGit(["--git-dir", harness.repositoryPath, "merge-base", "--is-ancestor", branch, "main"]).status == 0 {
                continue
            }
            let slug = String(branch.dropFirst("kapso-gitsync/conflict/".count))
            let theirsMap = try RemoteMap(bytes: try await harness.file(".kapso/remote-map.json", at: branch))
            let theirsDefinition = try await harness.file("workflows/\(slug)/definition.json", at: branch)
            let theirsYAML = try await harness.file("workflows/\(slug)/workflow.yaml", at: branch)
            try await harness.personMerges(branch) { checkout in
                let mapURL = checkout.appendingPathComponent(".kapso/remote-map.json")
                var ours = try RemoteMap(bytes: try Self.show(checkout, "HEAD:.kapso/remote-map.json"))
                if let entry = theirsMap.workflows[slug] { ours.set(entry) }
                try Data(ours.canonicalBytes()).write(to: mapURL)
                let folder = checkout.appendingPathComponent("workflows/\(slug)")
                try Data(theirsDefinition).write(to: folder.appendingPathComponent("definition.json"))
                try Data(theirsYAML).write(to: folder.appendingPathComponent("workflow.yaml"))
                if let x = expectedX[slug] {
                    try editJSON(folder.appendingPathComponent("definition.json")) { $0.setStartX(x) }
                }
            }
        }
    }

    /// `git show` in a checkout, synchronously (it runs inside a merge's resolution step).
    static func show(_ checkout: URL, _ object: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "show", object]
        process.currentDirectoryURL = checkout
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = PipeReader.all(pipe.fileHandleForReading)
        process.waitUntilExit()
        return [UInt8](data)
    }
}

extension JSONValue {
    /// Sets the x position of the start node.
    mutating func setStartX(_ x: Int) {
        guard case .object(var root) = self, case .array(var nodes)? = root["nodes"],
            let index = nodes.firstIndex(where: { $0["id"]?.stringValue == "start" }), case .object(var node) = nodes[index],
            case .object(var position)? = node["position"]
        else { return }
        position["x"] = .number(JSONNumber(x))
        node["position"] = .object(position)
        nodes[index] = .object(node)
        root["nodes"] = .array(nodes)
        self = .object(root)
    }
}
