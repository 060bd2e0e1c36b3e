import Foundation
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// A process that reads the remote-map it last committed writes each unchanged entry again as it was
/// (`SyncState.remoteMapWritten`). The map it commits must be the canonical file all the same, and a
/// map someone else laid out must be laid out anew, not patched.
@Suite struct RemoteMapLayoutTests {
    @Test func aRestartedProcessCommitsTheCanonicalMapWhoeverLaidOutTheLastOne() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 5, nodesPerWorkflow: 3, seed: 21) }
        defer { Task { await harness.stop() } }
        let stateDirectory = harness.engine.configuration.stateDirectory
        let mapPath = ".kapso/remote-map.json"
        func committedBlob() async throws -> String {
            try await harness.git("rev-parse", "main:\(mapPath)").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func isCanonical(_ bytes: [UInt8]) throws -> Bool { try RemoteMap(bytes: bytes).canonicalBytes() == bytes }
        func renameInKapso(_ slug: String, to name: String) async throws {
            let workflow = try #require(await harness.fake.workflow(slug: slug))
            await harness.fake.simulateEditorEdit(workflowID: workflow.id) { $0.name = name }
        }

        _ = try await harness.engine.runCycle()
        #expect(SyncState.load(from: stateDirectory).remoteMapWritten == .init(blob: try await committedBlob(), layout: RemoteMap.layout))

        // Kapso renames one: the restarted process takes the others' bytes from the map it wrote.
        try await renameInKapso("generated-1", to: "Renamed in Kapso")
        #expect(try await harness.restartedEngine().runCycle().pulled.map(\.slug) == ["generated-1"])
        var bytes = try await harness.file(mapPath)
        #expect(try isCanonical(bytes))
        let renamed = try #require(await harness.fake.workflow(slug: "generated-1"))
        #expect(try RemoteMap(bytes: bytes).workflows["generated-1"]?.lockVersion == renamed.lockVersion)
        #expect(SyncState.load(from: stateDirectory).remoteMapWritten?.blob == (try await committedBlob()))

        // A person commits the same map on one line: the next process lays every entry out anew.
        try await harness.personCommits("the map on one line") { checkout in
            let url = checkout.appendingPathComponent(mapPath)
            let document = try JSONSerialization.jsonObject(with: try Data(contentsOf: url))
            try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]).write(to: url)
        }
        #expect(try !isCanonical(try await harness.file(mapPath)))
        try await renameInKapso("generated-2", to: "Renamed again")
        #expect(try await harness.restartedEngine().runCycle().pulled.map(\.slug) == ["generated-2"])
        bytes = try await harness.file(mapPath)
        #expect(try isCanonical(bytes))
        #expect(try RemoteMap(bytes: bytes).workflows.count == 5)
    }

    /// Inside one process, as `run` runs cycles: each commit takes the unchanged entries' bytes from the
    /// map the commit before wrote, which the service reads back between cycles.
    @Test func cyclesInOneProcessCommitTheCanonicalMapWithEachChangeKept() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 5, nodesPerWorkflow: 3, seed: 22) }
        defer { Task { await harness.stop() } }
        let mapPath = ".kapso/remote-map.json"
        _ = try await harness.engine.runCycle()
        harness.engine.prepareNextCycle()
        for (round, slug) in ["generated-1", "generated-3", "generated-1"].enumerated() {
            let workflow = try #require(await harness.fake.workflow(slug: slug))
            await harness.fake.simulateEditorEdit(workflowID: workflow.id) { $0.name = "Renamed in round \(round)" }
            #expect(try await harness.engine.runCycle().pulled.map(\.slug) == [slug])
            harness.engine.prepareNextCycle()
            let bytes = try await harness.file(mapPath)
            let map = try RemoteMap(bytes: bytes)
            #expect(map.canonicalBytes() == bytes, "round \(round)")
            for other in await harness.fake.workflows {
                #expect(map.entry(forID: other.id)?.lockVersion == other.lockVersion, "round \(round): \(other.slug)")
            }
        }
    }
}
