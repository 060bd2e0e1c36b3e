import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// Creations that fail half-way (a POST answered 5xx, a lost answer, a PATCH that never came) are
/// finished once and never repeated, and never pushed over an edit made in Kapso meanwhile.
@Suite struct CreationRecoveryTests {
    @Test func aPOSTThatFailsWithAServerErrorIsNotRetriedInTheSameCycle() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await CreateCycleTests().addFolder(harness)
        await harness.fake.inject(FakeFaultRule(method: "POST", pathPrefix: "/workflows", fault: .status(503), count: 1))
        await harness.fake.clearRequests()
        let failed = try await harness.engine.runCycle()
        #expect(failed.created.isEmpty && failed.failures.count == 1)
        #expect(await harness.fake.requests().filter { $0.method == "POST" }.count == 1, "a POST is not idempotent")
        let created = try await harness.engine.runCycle()
        #expect(created.created.map(\.slug) == ["welcome-back"])
        #expect(created.conflicts.isEmpty)
        #expect(await harness.fake.workflows.count == 2)
    }

    @Test func aLostAnswerToThePOSTIsRecognisedAndFinishedWithoutAConflict() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await CreateCycleTests().addFolder(harness)
        await harness.fake.inject(FakeFaultRule(method: "POST", pathPrefix: "/workflows", fault: .connectionReset, count: 1))
        let lost = try await harness.engine.runCycle()
        #expect(lost.created.isEmpty)
        #expect(await harness.fake.workflows.count == 2, "the POST landed")

        let finished = try await harness.engine.runCycle()
        #expect(finished.conflicts.isEmpty, "\(finished.summaryLines())")
        #expect(await harness.fake.workflows.count == 2, "no second workflow")
        let kapso = try #require(await harness.fake.workflow(slug: "welcome-back"))
        #expect(kapso.status == "active" && kapso.triggers.map(\.triggerType) == ["inbound_message"])
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }

    /// A flow has no slug: the one its name gives ("welcome-back") is not its folder ("greeting"). The
    /// creation's intent names both, so the flow comes back in its folder as this service's own creation.
    @Test func aLostAnswerToALegacyPOSTIsRecognisedInAFolderNotNamedAfterTheFlow() async throws {
        let harness = try await SyncHarness(api: .legacy) { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Add greeting") { checkout in
            let folder = checkout.appendingPathComponent("workflows/greeting")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(CanonicalJSONWriter.canonicalBytes(CreateCycleTests.definition)).write(
                to: folder.appendingPathComponent("definition.json"))
            let yaml = CreateCycleTests.legacyYAML.replacingOccurrences(of: "slug: welcome-back", with: "slug: greeting")
            try Data(yaml.utf8).write(to: folder.appendingPathComponent("workflow.yaml"))
        }
        await harness.fake.inject(FakeFaultRule(method: "POST", pathPrefix: "/flows", fault: .connectionReset, count: 1))
        let lost = try await harness.engine.runCycle()
        #expect(lost.created.isEmpty)
        #expect(await harness.fake.workflows.count == 2, "the POST landed")

        let finished = try await harness.restartedEngine().runCycle()
        #expect(finished.conflicts.isEmpty && finished.invalid.isEmpty, "\(finished.summaryLines())")
        #expect(await harness.fake.workflows.count == 2, "no second flow")
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main", "workflows").split(separator: "\n")
        #expect(files.contains("workflows/greeting/definition.json") && !files.contains { $0.hasPrefix("workflows/welcome-back/") })
        let quiet = try await harness.restartedEngine().runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")
    }

    @Test func aLostAnswerToTheCreationsPATCHIsNoConflict() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await CreateCycleTests().addFolder(harness)
        await harness.fake.inject(FakeFaultRule(method: "PATCH", fault: .connectionReset, count: 1))
        let first = try await harness.engine.runCycle()
        #expect(first.conflicts.isEmpty, "the retried PATCH meets its own write: \(first.summaryLines())")
        #expect(try await harness.git("branch", "--list", "kapso-gitsync/*").isEmpty)
        let finished = try await harness.engine.runCycle()
        #expect(finished.conflicts.isEmpty, "\(finished.summaryLines())")
        let kapso = try #require(await harness.fake.workflow(slug: "welcome-back"))
        #expect(kapso.status == "active" && kapso.triggers.map(\.triggerType) == ["inbound_message"])
        #expect(await harness.fake.workflows.count == 2)
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }

    @Test func aHalfFinishedCreationDoesNotOverwriteAKapsoEditMadeSince() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await CreateCycleTests().addFolder(harness)
        await harness.fake.inject(FakeFaultRule(method: "PATCH", fault: .status(500), count: 100))
        _ = try await harness.engine.runCycle()
        await harness.fake.clearFaults()
        let id = try #require(await harness.fake.workflow(slug: "welcome-back")?.id)
        await harness.fake.simulateEditorEdit(workflowID: id) { $0.name = "Renamed in the editor" }

        let report = try await harness.engine.runCycle()
        #expect(await harness.fake.workflow(id: id)?.name == "Renamed in the editor", "the editor's edit survives")
        #expect(report.conflicts.map(\.workflow) == ["welcome-back"])
        #expect(await harness.fake.workflows.count == 2)
    }
}
