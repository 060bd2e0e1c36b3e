import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// The holes in the sync rules that issue 9 lists, each as the scenario that lost an edit or made
/// the service act wrongly before it was fixed.
@Suite struct SyncRulesTests {
    static func seed(_ fake: KapsoFake) async {
        await fake.seedGenerated(workflows: 3, nodesPerWorkflow: 4, seed: 7)
    }

    // MARK: Triggers are part of the three-way comparison

    @Test func aTriggerEditInKapsoIsNotOverwrittenByAPushOfTheSameWorkflow() async throws {
        let harness = try await SyncHarness { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let id = try #require(await harness.fake.workflow(slug: slug)?.id)
        // A trigger change does not move lock_version: the next cycle does not fetch the workflow for it.
        await harness.fake.simulateTriggerEdit(workflowID: id) { triggers in
            for index in triggers.indices { triggers[index].active = false }
        }
        _ = try await harness.personRewords(slug, to: "changed in git")
        await harness.fake.clearRequests()

        // Read before the push, the trigger edit is Kapso's side of a merge with git's reworded message.
        let report = try await harness.engine.runCycle()
        let kapso = try #require(await harness.fake.workflow(slug: slug))
        #expect(kapso.triggers.allSatisfy { !$0.active }, "Kapso's trigger edit survives")
        #expect(await harness.fake.requests().filter { $0.method == "PUT" }.isEmpty)
        #expect(report.merged.map(\.workflow.slug) == [slug], "\(report.summaryLines())")
        #expect(kapso.nodes.contains { $0["data"]?["config"]?["message"]?.stringValue == "changed in git" }, "git's edit is pushed")
        let yaml = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml"), as: UTF8.self)
        #expect(!yaml.contains("active: true"), "git records Kapso's trigger edit")
    }

    @Test func aTriggerChangedInKapsoBetweenTheReadAndTheWriteIsAConflictNotReplaced() async throws {
        let harness = try await SyncHarness { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-0"
        let id = try #require(await harness.fake.workflow(slug: slug)?.id)
        try await harness.personCommits("Trigger by API too") { checkout in
            let url = checkout.appendingPathComponent("workflows/\(slug)/workflow.yaml")
            try Data((try String(contentsOf: url, encoding: .utf8) + "  - active: false\n    triggerType: api_call\n").utf8)
                .write(to: url)
        }
        // The dashboard changes the triggers while the PATCH is on its way.
        await harness.fake.onceBefore(method: "PATCH") { fake in
            fake.simulateTriggerEdit(workflowID: id) { triggers in for index in triggers.indices { triggers[index].active = false } }
        }
        let report = try await harness.engine.runCycle()
        #expect(await harness.fake.requests().filter { $0.method == "PUT" }.isEmpty, "Kapso's new triggers are not replaced")
        #expect(report.conflicts.map(\.workflow) == [slug])
        let kapso = try #require(await harness.fake.workflow(slug: slug))
        #expect(kapso.triggers.map(\.triggerType) == ["inbound_message"])
        #expect(kapso.triggers.allSatisfy { !$0.active })
    }

    // MARK: Folder renames

    @Test func aFolderMovedInGitRenamesTheWorkflowAndArchivesNothing() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInGit = .archive }) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let before = try #require(await harness.fake.workflow(slug: "generated-1"))
        try await harness.personCommits("Move generated-1") { checkout in
            let workflows = checkout.appendingPathComponent("workflows")
            try FileManager.default.moveItem(
                at: workflows.appendingPathComponent("generated-1"), to: workflows.appendingPathComponent("welcome"))
        }
        let report = try await harness.engine.runCycle()
        #expect(report.archived.isEmpty && report.created.isEmpty, "\(report.summaryLines())")
        let after = try #require(await harness.fake.workflow(id: before.id))
        #expect(after.status == before.status)
        #expect(after.slug == "welcome")
        #expect(await harness.fake.workflows.count == 3)
        let yaml = String(decoding: try await harness.file("workflows/welcome/workflow.yaml"), as: UTF8.self)
        #expect(yaml.contains("slug: welcome\n"))
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        #expect(remoteMap["workflows"]?["welcome"]?["id"]?.stringValue == before.id)
        #expect(remoteMap["workflows"]?["generated-1"] == nil)
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.invalid.isEmpty)
    }

    @Test func aFolderMovedAndEditedIsARenamePlusAPush() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInGit = .archive }) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let before = try #require(await harness.fake.workflow(slug: "generated-1"))
        try await harness.personCommits("Move and edit generated-1") { checkout in
            let workflows = checkout.appendingPathComponent("workflows")
            let target = workflows.appendingPathComponent("welcome")
            try FileManager.default.moveItem(at: workflows.appendingPathComponent("generated-1"), to: target)
            // `slug:` still names the workflow the folder holds: that is how the move is recognised.
            try editJSON(target.appendingPathComponent("definition.json")) { $0.setStartX(4242) }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.archived.isEmpty && report.created.isEmpty && report.conflicts.isEmpty, "\(report.summaryLines())")
        let after = try #require(await harness.fake.workflow(id: before.id))
        #expect(after.slug == "welcome")
        #expect(after.nodes.first { $0["id"]?.stringValue == "start" }?["position"]?["x"]?.numberValue?.intValue == 4242)
        #expect(await harness.fake.workflows.count == 3)
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.invalid.isEmpty)
    }

    @Test func aCopiedFolderIsInvalidByNameAndNothingIsArchivedOrCreated() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInGit = .archive }) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Copy generated-1") { checkout in
            let workflows = checkout.appendingPathComponent("workflows")
            try FileManager.default.copyItem(
                at: workflows.appendingPathComponent("generated-1"), to: workflows.appendingPathComponent("copy"))
        }
        await harness.fake.clearRequests()
        let report = try await harness.engine.runCycle()
        #expect(report.archived.isEmpty && report.created.isEmpty && report.pushed.isEmpty)
        let invalid = try #require(report.invalid.first)
        #expect(invalid.workflow == "workflows/copy")
        #expect(invalid.reason.contains("generated-1") && invalid.reason.contains("copy"), "\(invalid.reason)")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" })
    }

    // MARK: Tombstones, rejections and the full pass

    @Test func anArchivedFolderStaysAwayOnFullPassesAndComesBackWhenRestoredInKapso() async throws {
        let harness = try await SyncHarness(fullResyncIntervalSeconds: 0, configure: { $0.deletedInGit = .archive }) {
            await Self.seed($0)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let id = try #require(await harness.fake.workflow(slug: "generated-2")?.id)
        try await harness.personCommits("Remove generated-2") { checkout in
            try FileManager.default.removeItem(at: checkout.appendingPathComponent("workflows/generated-2"))
        }
        let archived = try await harness.engine.runCycle()
        #expect(archived.archived == ["generated-2"])
        #expect(await harness.fake.workflow(id: id)?.status == "archived")

        let fullPass = try await harness.engine.runCycle()
        #expect(fullPass.fullPass)
        #expect(fullPass.commit == nil && fullPass.pulled.isEmpty, "\(fullPass.summaryLines())")

        await harness.fake.simulateEditorEdit(workflowID: id) { $0.status = "active" }
        let restored = try await harness.engine.runCycle()
        #expect(restored.pulled.map(\.slug) == ["generated-2"])
        _ = try await harness.file("workflows/generated-2/workflow.yaml")
    }

    @Test func aWorkflowRejectedForGoodDoesNotTurnEveryCycleIntoAFullPass() async throws {
        let harness = try await SyncHarness { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        let id = try #require(await harness.fake.workflow(slug: "generated-2")?.id)
        // One answer Kapso gives is unreadable, every time.
        await harness.fake.inject(
            FakeFaultRule(method: "GET", pathPrefix: "/workflows/\(id)/definition", fault: .replaceBody("{}"), count: 1000))
        let first = try await harness.engine.runCycle()
        #expect(first.fullPass)
        #expect(first.failures.count == 1)
        await harness.fake.clearRequests()
        let second = try await harness.engine.runCycle()
        #expect(!second.fullPass)
        #expect(second.failures.count == 1, "still reported")
        let requests = await harness.fake.requests()
        #expect(requests.count == 2, "an idle cycle reads the two lists, workflows and functions: \(requests)")
        #expect(second.commit == nil && second.objectsWritten == 0)
    }

    // MARK: Slug take-over

    @Test func aNewKapsoWorkflowDoesNotTakeTheFolderOfOneDeletedInKapsoWhileItIsKept() async throws {
        let harness = try await SyncHarness { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let old = try #require(await harness.fake.workflow(slug: "generated-2"))
        let definitionBefore = try await harness.file("workflows/generated-2/definition.json")
        await harness.fake.simulateDeletion(workflowID: old.id)
        let other = try #require(await harness.fake.workflow(slug: "generated-0"))
        await harness.fake.simulateEditorEdit(workflowID: other.id) { $0.slug = "generated-2" }

        let report = try await harness.engine.runCycle()
        #expect(try await harness.file("workflows/generated-2/definition.json") == definitionBefore, "the kept folder is not replaced")
        #expect(report.missingInKapso == ["generated-2"])
        #expect(report.failures.contains { $0.workflow.contains(other.id) }, "\(report.failures)")
    }
}
