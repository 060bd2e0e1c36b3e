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

        let report = try await harness.engine.runCycle()
        let kapso = try #require(await harness.fake.workflow(slug: slug))
        #expect(kapso.triggers.allSatisfy { !$0.active }, "Kapso's trigger edit survives")
        #expect(await harness.fake.requests().filter { $0.method == "PUT" }.isEmpty)
        #expect(report.conflicts.map(\.workflow) == [slug])
        #expect(report.pushed.isEmpty)
        let yaml = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml"), as: UTF8.self)
        #expect(yaml.contains("active: true"), "git keeps its own files")
        let branchYAML = String(
            decoding: try await harness.file("workflows/\(slug)/workflow.yaml", at: "kapso-gitsync/conflict/\(slug)"), as: UTF8.self)
        #expect(branchYAML.contains("active: false"), "Kapso's version is on the conflict branch")
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
        #expect(requests.count == 1, "an idle cycle makes one request: \(requests)")
        #expect(second.commit == nil && second.objectsWritten == 0)
    }

    // MARK: Creations

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

@Suite struct PagedListTests {
    @Test func aListThatSaysItHasPagesIsReadToTheLastPage() async throws {
        let harness = try await SyncHarness(fakeOptions: .init(apiKey: SyncHarness.apiKey, listPageSize: 2)) {
            await $0.seedGenerated(workflows: 5, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        let first = try await harness.engine.runCycle()
        #expect(first.pulled.count == 5)
        await harness.fake.clearRequests()
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.missingInKapso.isEmpty && quiet.commit == nil && !quiet.hasChanges)
        #expect(await harness.fake.requests().map(\.method) == ["GET", "GET", "GET"], "three pages")
    }
}

@Suite struct SlugChangeConflictTests {
    /// Kapso changes a workflow's slug while git edits it: the conflict branch moves the folder, so
    /// merging it leaves one folder, never an old folder that the next cycle would create again as a
    /// second workflow.
    @Test func aConflictOverASlugChangeMovesTheFolderAndMergingItCreatesNothing() async throws {
        let harness = try await SyncHarness { await SyncRulesTests.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let workflow = try #require(await harness.fake.workflow(slug: "generated-1"))
        await harness.fake.simulateEditorEdit(workflowID: workflow.id) {
            $0.slug = "renamed-in-kapso"
            $0.name = "Renamed in Kapso"
        }
        try await harness.personCommits("Move the start") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/generated-1/definition.json")) { $0.setStartX(777) }
        }
        let conflict = try await harness.engine.runCycle()
        #expect(conflict.conflicts.map(\.workflow) == ["generated-1"])
        // The branch sits on top of main (until the merge issue forks it from the last synced commit): the
        // person carries their edit into the moved folder while merging.
        try await harness.personMerges("kapso-gitsync/conflict/generated-1") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/renamed-in-kapso/definition.json")) { $0.setStartX(777) }
        }

        let resolved = try await harness.engine.runCycle()
        #expect(resolved.created.isEmpty, "\(resolved.summaryLines())")
        #expect(resolved.pushed.map(\.slug) == ["renamed-in-kapso"])
        #expect(await harness.fake.workflows.count == 3, "no second workflow")
        let kapso = try #require(await harness.fake.workflow(id: workflow.id))
        #expect(kapso.name == "Renamed in Kapso")
        #expect(kapso.nodes.first { $0["id"]?.stringValue == "start" }?["position"]?["x"]?.numberValue?.intValue == 777)
        await #expect(throws: (any Error).self) { try await harness.file("workflows/generated-1/workflow.yaml") }
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }
}

@Suite struct StopDuringASecondRoundTests {
    /// With a git server, a stop that arrives once writing has begun lets the cycle finish, and a second
    /// round (someone pushed meanwhile) then reads only part of a full pass. A workflow left unread was
    /// taken as equal to the base, so git's change to it was pushed over Kapso's trigger edit.
    @Test func aWorkflowLeftUnreadByAStopIsNotPushedOverKapsosEdit() async throws {
        let harness = try await SyncHarness(fullResyncIntervalSeconds: 0, withServer: true) {
            await $0.seedGenerated(workflows: 12, nodesPerWorkflow: 3, seed: 3)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        // The oldest workflow comes last in the list: past the first window of reads.
        let target = try #require(await harness.fake.workflow(slug: "generated-0"))
        await harness.fake.simulateTriggerEdit(workflowID: target.id) { triggers in
            for index in triggers.indices { triggers[index].active = false }
        }
        try await harness.personCommits("Move generated-5") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/generated-5/definition.json")) { $0.setStartX(5) }
        }
        // While the service pushes, a person pushes a change to generated-0, and the service is told to stop.
        let stop = CycleStop()
        let checkout = try await harness.personCheckout()
        await harness.engine.git.setPushInterleaving {
            ModelBasedSyncTests.personPushesNow(checkout, file: "workflows/generated-0/definition.json") { $0.setStartX(99) }
            stop.request()
        }
        await harness.fake.clearRequests()
        _ = try? await harness.engine.runCycle(stop: stop)

        let requests = await harness.fake.requests()
        #expect(requests.contains { $0.method == "PATCH" }, "the first round pushed generated-5")
        #expect(
            requests.filter { $0.path == "/workflows/\(target.id)/definition" }.count == 1,
            "read by the first round's full pass only: the stopped second round never read it")
        let kapso = try #require(await harness.fake.workflow(id: target.id))
        #expect(kapso.triggers.allSatisfy { !$0.active }, "Kapso's trigger edit survives")
        #expect(!requests.contains { $0.method == "PUT" })
        let next = try await harness.engine.runCycle()
        #expect(next.conflicts.map(\.workflow) == ["generated-0"], "\(next.summaryLines())")
        #expect(await harness.fake.workflow(id: target.id)?.triggers.allSatisfy { !$0.active } == true)
    }
}

@Suite struct ConflictBranchOnAServerTests {
    /// The service's push of its branch loses a race with a person's push: the conflict branch made in
    /// that round must not reach the server, or it would be based on a commit that is computed again and
    /// never lands (merging it brought that commit's changes along). Found by the model-based soak.
    @Test func aConflictBranchIsPushedOnlyOnTopOfABranchThatLanded() async throws {
        let harness = try await SyncHarness(withServer: true) { await SyncRulesTests.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflow(slug: "generated-1"))
        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Renamed in Kapso" }
        let other = try #require(await harness.fake.workflow(slug: "generated-2"))
        await harness.fake.simulateEditorEdit(workflowID: other.id) { $0.name = "Pulled in the round that loses" }
        try await harness.personCommits("Move generated-1") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/generated-1/definition.json")) { $0.setStartX(11) }
        }
        let checkout = try await harness.personCheckout()
        await harness.engine.git.setPushInterleaving {
            ModelBasedSyncTests.personPushesNow(checkout, file: "workflows/generated-0/definition.json") { $0.setStartX(22) }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.conflicts.map(\.workflow) == ["generated-1"])
        let server = try #require(harness.server)
        let branch = "kapso-gitsync/conflict/generated-1"
        let parentOnMain = try await runGit(["--git-dir", server, "merge-base", "--is-ancestor", "\(branch)^", "main"])
        #expect(parentOnMain.status == 0, "the conflict branch is based on a commit of the server's main")
        let mainLog = try await runGit(["--git-dir", server, "log", "--format=%s", "main"])
        #expect(mainLog.output.contains("Moved while the service pushed"), "the person's push is kept")
    }
}
