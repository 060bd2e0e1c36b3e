import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

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
        #expect(await harness.fake.requests().map(\.path).filter { $0.hasPrefix("/workflows") }.count == 3, "three pages")
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
        // Read now, the two edits are in different places: merged, neither lost.
        let next = try await harness.engine.runCycle()
        #expect(next.merged.map(\.workflow.slug) == ["generated-0"], "\(next.summaryLines())")
        let merged = try #require(await harness.fake.workflow(id: target.id))
        #expect(merged.triggers.allSatisfy { !$0.active })
        #expect(merged.nodes.contains { $0["position"]?["x"]?.numberValue?.intValue == 99 }, "git's move reached Kapso")
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
        try await harness.personCommits("Rename generated-1") { checkout in
            try ModelBasedSyncTests.setYAMLLines(
                ["name": "Renamed in git"], in: checkout.appendingPathComponent("workflows/generated-1/workflow.yaml"))
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
