import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import Logging
import SyncEngine
import TestSupport
import Testing

/// A repository synced through the legacy Flows API, then configured for the Platform API: the same
/// flows, the same ids, seen as workflows with slugs.
@Suite struct APISwitchTests {
    @Test func switchingFromTheLegacyAPIToThePlatformRerecordsEveryWorkflowInOneCommitWithoutAWrite() async throws {
        let harness = try await SyncHarness(api: .legacy) { fake in
            await fake.seedGenerated(workflows: 3, nodesPerWorkflow: 6, seed: 11)
        }
        defer { Task { await harness.stop() } }
        // A workflow whose Platform slug is not the one its name gives: its folder moves.
        let renamed = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: renamed.id) { $0.name = "Order status" }
        let legacy = try await harness.engine.runCycle()
        #expect(legacy.pulled.count == 3 && legacy.failures.isEmpty, "\(legacy.summaryLines())")
        let legacyDefinition = String(decoding: try await harness.file("workflows/order-status/definition.json"), as: UTF8.self)
        #expect(legacyDefinition.contains("\"function_id\""), "the legacy API has no function slugs: ids stay")
        let commitsBefore = try await harness.commitCount()

        let platform = SyncEngine(
            client: harness.client, git: try GitStore(path: harness.repositoryPath, createIfMissing: false),
            configuration: harness.engine.configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        await harness.fake.clearRequests()
        let switched = try await platform.runCycle()
        #expect(switched.conflicts.isEmpty && switched.failures.isEmpty && switched.invalid.isEmpty, "\(switched.summaryLines())")
        #expect(switched.pushed.isEmpty && switched.created.isEmpty)
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "no write to Kapso")
        #expect(try await harness.commitCount() == commitsBefore + 1, "one commit")
        let subject = try await harness.git("log", "-1", "--format=%s", "main")
        #expect(subject.hasPrefix("Switch to the Platform API"), "\(subject)")
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main", "workflows").split(separator: "\n").map(String.init)
        #expect(files.contains("workflows/\(renamed.slug)/definition.json"), "moved to the Platform slug: \(files)")
        #expect(!files.contains { $0.hasPrefix("workflows/order-status/") })
        let definition = String(decoding: try await harness.file("workflows/\(renamed.slug)/definition.json"), as: UTF8.self)
        #expect(definition.contains("\"function_slug\"") && !definition.contains("\"function_id\""), "references are slugs now")

        let quiet = try await platform.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")
    }

    /// A change merged in git that the legacy sync had not sent yet is sent by the first Platform cycle:
    /// Kapso's side differs from the base only in form, which merges with the person's edit.
    @Test func aChangeNotYetPushedWhenTheAPIChangesReachesKapsoWithoutAConflict() async throws {
        let harness = try await SyncHarness(api: .legacy) { fake in
            await fake.seedGenerated(workflows: 3, nodesPerWorkflow: 6, seed: 11)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let (before, node) = try await harness.personRewords("generated-1", to: "changed before the switch")
        let platform = SyncEngine(
            client: harness.client, git: try GitStore(path: harness.repositoryPath, createIfMissing: false),
            configuration: harness.engine.configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let switched = try await platform.runCycle()
        #expect(switched.conflicts.isEmpty && switched.failures.isEmpty && switched.invalid.isEmpty, "\(switched.summaryLines())")
        let after = try #require(await harness.fake.workflow(id: before.id))
        #expect(after.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"] == "changed before the switch")
        #expect(after.lockVersion == before.lockVersion + 1, "written once")
        let quiet = try await platform.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")
    }
}
