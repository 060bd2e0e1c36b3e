import Foundation
import SyncEngine
import TestSupport
import Testing

/// A new process does not walk the `workflows/` tree the state records whole (`SyncState.localTree`):
/// what it must still see is every change to that tree, whoever made it.
@Suite struct LocalRecordTests {
    @Test func aRestartOnTheRecordedTreeDoesNothingAndAGitEditAfterItIsSent() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 4, seed: 11) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        // The first restarted process walks the tree and records it; the next ones take the records.
        _ = try await harness.restartedEngine().runCycle()
        let state = SyncState.load(from: harness.engine.configuration.stateDirectory)
        let tree = try await harness.git("rev-parse", "main:workflows").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(state.localTree == tree)
        #expect(state.localFiles.count == 4)
        await harness.fake.clearRequests()
        let quiet = try await harness.restartedEngine().runCycle()
        #expect(quiet.commit == nil && quiet.pushed.isEmpty && quiet.pulled.isEmpty && quiet.invalid.isEmpty)
        #expect(await harness.fake.requests().map(\.method) == TestAPI.platform.idleRequests)

        // A person's edit makes another tree: it is read and sent, as by a process that never recorded.
        let (before, node) = try await harness.personRewords("generated-2", to: "changed while no process ran")
        let pushed = try await harness.restartedEngine().runCycle()
        #expect(pushed.pushed.map(\.slug) == ["generated-2"])
        let after = try #require(await harness.fake.workflow(slug: "generated-2"))
        #expect(after.lockVersion == before.lockVersion + 1)
        #expect(after.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"] == "changed while no process ran")
        // A pull records the tree it commits, its folder with the blobs it wrote: the next process takes
        // the records and changes nothing, as a process that walked the tree would.
        let kapsoSide = try #require(await harness.fake.workflow(slug: "generated-3"))
        await harness.fake.simulateEditorEdit(workflowID: kapsoSide.id) { $0.name = "Renamed in Kapso" }
        let pulled = try await harness.restartedEngine().runCycle()
        #expect(pulled.pulled.map(\.slug) == ["generated-3"])
        let newTree = try await harness.git("rev-parse", "main:workflows").trimmingCharacters(in: .whitespacesAndNewlines)
        let recorded = SyncState.load(from: harness.engine.configuration.stateDirectory)
        #expect(recorded.localTree == newTree)
        let blobs = try await harness.git("ls-tree", "-r", "main", "workflows/generated-3/")
        for (path, blob) in recorded.localFiles["generated-3"]?.blobs ?? [:] { #expect(blobs.contains("\(blob)\t\(path)")) }
        let settled = try await harness.restartedEngine().runCycle()
        #expect(settled.commit == nil && settled.pushed.isEmpty && settled.pulled.isEmpty)
        #expect(SyncState.load(from: harness.engine.configuration.stateDirectory) == recorded)
        // A process without the records reads every folder again and finds what they say.
        var walked = recorded
        walked.localTree = nil
        walked.localFiles = [:]
        try walked.save(to: harness.engine.configuration.stateDirectory)
        _ = try await harness.restartedEngine().runCycle()
        #expect(SyncState.load(from: harness.engine.configuration.stateDirectory).localFiles == recorded.localFiles)
    }
}
