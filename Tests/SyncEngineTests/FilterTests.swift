import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// `sync.include`, `sync.exclude`, `sync.statuses`: a workflow left out is neither read, pulled,
/// pushed, created, archived nor counted as deleted, on either side.
@Suite struct FilterTests {
    @Test(arguments: [
        (WorkflowFilter.all, "anything", "archived", true),
        (WorkflowFilter(include: [], exclude: ["untitled-workflow*"], statuses: nil), "untitled-workflow", "active", false),
        (WorkflowFilter(include: [], exclude: ["untitled-workflow*"], statuses: nil), "untitled-workflow-12", "active", false),
        (WorkflowFilter(include: [], exclude: ["untitled-workflow*"], statuses: nil), "my-untitled-workflow", "active", true),
        (WorkflowFilter(include: ["sales-*", "support-?"], exclude: [], statuses: nil), "sales-leads", "active", true),
        (WorkflowFilter(include: ["sales-*", "support-?"], exclude: [], statuses: nil), "support-1", "draft", true),
        (WorkflowFilter(include: ["sales-*", "support-?"], exclude: [], statuses: nil), "support-12", "draft", false),
        (WorkflowFilter(include: ["sales-*"], exclude: ["sales-test*"], statuses: nil), "sales-test-2", "active", false),
        (WorkflowFilter(include: [], exclude: [], statuses: ["active", "draft"]), "orders", "archived", false),
        (WorkflowFilter(include: [], exclude: [], statuses: ["active", "draft"]), "orders", "draft", true),
        (WorkflowFilter(include: ["[a-c]*"], exclude: [], statuses: nil), "billing", "active", true),
        (WorkflowFilter(include: ["[a-c]*"], exclude: [], statuses: nil), "orders", "active", false),
    ])
    func whichWorkflowsAFilterAdmits(filter: WorkflowFilter, slug: String, status: String, admitted: Bool) {
        #expect(filter.admits(slug: slug, status: status) == admitted)
    }

    @Test func aWorkflowLeftOutIsNeitherPulledPushedCreatedNorDeleted() async throws {
        let harness = try await SyncHarness(configure: {
            $0.deletedInKapso = .remove; $0.deletedInGit = .archive
        }) {
            await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        let workflows = await harness.fake.workflows
        let (kept, untitled, archived, other) = (workflows[0], workflows[1], workflows[2], workflows[3])
        await harness.fake.simulateEditorEdit(workflowID: untitled.id) { $0.slug = "untitled-workflow-3" }
        await harness.fake.simulateEditorEdit(workflowID: archived.id) { $0.status = "archived" }
        let filter = WorkflowFilter(include: [], exclude: ["untitled-workflow*"], statuses: ["active", "draft"])

        // Filtered from the start: only what the filter admits is read and pulled.
        let filtered = try harness.restartedEngine(configure: { $0.filter = filter })
        await harness.fake.clearRequests()
        let first = try await filtered.runCycle()
        #expect(Set(first.pulled.map(\.slug)) == [kept.slug, other.slug])
        #expect(first.filtered == 2)
        #expect(first.summaryLines().contains("  left out: 2 listed workflows (sync.include, sync.exclude, sync.statuses)"))
        let read = await harness.fake.requests().filter { $0.path.hasSuffix("/definition") }.map(\.path)
        #expect(!read.contains { $0.contains(untitled.id) || $0.contains(archived.id) }, "left-out workflows are not read: \(read)")

        // Without the filter, everything is pulled; the folders then exist in git.
        let everything = try await harness.restartedEngine(configure: { $0.filter = .all }).runCycle()
        #expect(Set(everything.pulled.map(\.slug)) == ["untitled-workflow-3", archived.slug])

        // With the filter again: Kapso edits the left-out workflow and deletes the other one; a person
        // edits the left-out folder, removes the archived one's folder and adds a new left-out folder.
        await harness.fake.simulateEditorEdit(workflowID: untitled.id) { $0.name = "Edited in Kapso" }
        await harness.fake.simulateEditorEdit(workflowID: kept.id) { $0.name = "Kept, edited in Kapso" }
        await harness.fake.simulateDeletion(workflowID: other.id)
        try await harness.personCommits("Edit what the filter leaves out") { checkout in
            let workflows = checkout.appendingPathComponent("workflows")
            let yaml = workflows.appendingPathComponent("untitled-workflow-3/workflow.yaml")
            let text = try String(contentsOf: yaml, encoding: .utf8)
            try text.replacingOccurrences(of: "\nname: ", with: "\nname: Edited in git ").write(to: yaml, atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(at: workflows.appendingPathComponent(archived.slug))
            let new = workflows.appendingPathComponent("untitled-workflow-9")
            try FileManager.default.copyItem(at: workflows.appendingPathComponent(kept.slug), to: new)
            let newYAML = new.appendingPathComponent("workflow.yaml")
            try String(contentsOf: newYAML, encoding: .utf8).replacingOccurrences(
                of: "slug: \(kept.slug)", with: "slug: untitled-workflow-9"
            )
            .write(to: newYAML, atomically: true, encoding: .utf8)
        }
        let untitledBefore = try await harness.file("workflows/untitled-workflow-3/workflow.yaml")
        await harness.fake.clearRequests()
        let report = try await harness.restartedEngine(configure: { $0.filter = filter }).runCycle()
        #expect(report.pulled.map(\.slug) == [kept.slug], "\(report.summaryLines())")
        #expect(report.pushed.isEmpty && report.created.isEmpty && report.archived.isEmpty, "\(report.summaryLines())")
        #expect(report.conflicts.isEmpty && report.invalid.isEmpty, "\(report.summaryLines())")
        #expect(report.removed == [other.slug], "an admitted workflow deleted in Kapso still goes: \(report.summaryLines())")
        let writes = await harness.fake.requests().filter { $0.method != "GET" }
        #expect(writes.isEmpty, "nothing written to Kapso: \(writes)")
        #expect(await harness.fake.workflow(id: untitled.id)?.name == "Edited in Kapso", "git's edit is not pushed")
        #expect(await harness.fake.workflow(id: archived.id) != nil)
        #expect(try await harness.file("workflows/untitled-workflow-3/workflow.yaml") == untitledBefore, "Kapso's edit is not pulled")
        #expect(await harness.fake.workflows.allSatisfy { $0.slug != "untitled-workflow-9" }, "the new left-out folder is not created")
    }
}
