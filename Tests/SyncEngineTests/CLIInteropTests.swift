import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// The Kapso CLI refuses to pull over a file it sees as dirty: one whose sha256 differs from the hash
/// the remote-map records for it (NOTES §6). After every kind of cycle the service runs, the files it
/// leaves and the remote-map it commits must agree that way, or the CLI next to it would refuse to
/// pull, or push a stale file.
@Suite struct CLIInteropTests {
    /// The CLI's dirty-file check over the branch: every recorded file, workflow and function, with its
    /// recorded hash, and the source files the map names.
    static func dirtyFiles(_ harness: SyncHarness) async throws -> [String] {
        let map = try RemoteMap(bytes: try await harness.file(".kapso/remote-map.json"))
        var dirty: [String] = []
        for entry in Array(map.workflows.values) + Array(map.functions.values) {
            for (path, hash) in entry.files {
                let bytes = try? await harness.file(path)
                if bytes.map(FileHash.sha256) != hash { dirty.append(path) }
            }
            if case .object(let source)? = entry.extra["sourceFile"], let path = source["path"]?.stringValue,
                let hash = source["hash"]?.stringValue, (try? await harness.file(path)).map(FileHash.sha256) != hash
            {
                dirty.append(path)
            }
        }
        return dirty.sorted()
    }

    @Test func afterEveryKindOfCycleTheCLISeesNoDirtyFile() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 6) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        #expect(try await Self.dirtyFiles(harness) == [], "after the first import")

        let workflows = await harness.fake.workflows
        await harness.fake.simulateEditorEdit(workflowID: workflows[0].id) { $0.name = "Renamed in Kapso" }
        await harness.fake.simulateFunctionEdit(slug: "function-0") { $0.code += "// Kapso\n" }
        #expect(try await harness.engine.runCycle().pulled.count == 1)
        #expect(try await Self.dirtyFiles(harness) == [], "after a pull")

        _ = try await harness.personRewords(workflows[1].slug, to: "Edited in git")
        try await harness.personCommits("Edit a function, add one") { checkout in
            try Data("export default () => 5;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-1/index.js"))
            let folder = checkout.appendingPathComponent("functions/added")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("function_type: cloudflare_worker\nname: Added\nslug: added\n".utf8).write(
                to: folder.appendingPathComponent("function.yaml"))
            try Data("export default () => 6;\n".utf8).write(to: folder.appendingPathComponent("index.js"))
        }
        let pushed = try await harness.engine.runCycle()
        #expect(pushed.pushed.count == 1 && pushed.functions.count == 2, "\(pushed.summaryLines())")
        #expect(try await Self.dirtyFiles(harness) == [], "after pushes, a read-back and a created function in Kapso's form")

        let message = try #require(workflows[2].nodes.first { $0["data"]?["node_type"]?.stringValue == "send_text" }?["id"]?.stringValue)
        await harness.fake.simulateEditorEdit(workflowID: workflows[2].id) { $0.name = "Kapso's name" }
        try await harness.personCommits("Edit the same workflow elsewhere") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/\(workflows[2].slug)/definition.json")) {
                $0.setMessage(node: message, to: "git's message")
            }
        }
        #expect(try await harness.engine.runCycle().merged.count == 1)
        #expect(try await Self.dirtyFiles(harness) == [], "after a merge")
    }
}
