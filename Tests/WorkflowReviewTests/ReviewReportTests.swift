import CanonicalJSON
import Testing
import WorkflowMerge
import WorkflowReview

@Suite struct ReviewReportTests {
    static func workflow(_ name: String, nodes: Int = 20, problems: [String] = [], kapso: String? = nil) -> ReviewReport.Workflow {
        let before = ReviewSamples.generated(nodes: nodes)
        let after = ReviewSamples.edited(before)
        return ReviewReport.Workflow(
            folder: .init(slug: name, status: "changed", diff: WorkflowDiff.between(before, after)),
            graph: WorkflowGraph(after, against: before).withinBudget(), problems: problems, kapso: kapso)
    }

    @Test func aReportHasATableEachWorkflowsDiffChecksKapsoAndGraph() {
        let report = ReviewReport(
            title: "Kapso workflows in this change", subtitle: "`main` → `HEAD`",
            workflows: [
                Self.workflow("support", problems: ["workflows/support/definition.json: edge: target \"x\" is not a node"]),
                Self.workflow("sales", kapso: "changed in Kapso since the base: merging this will be merged with Kapso's edit."),
                .init(folder: .init(slug: "old", status: "removed")),
                .init(
                    folder: .init(slug: "new", status: "added"),
                    graph: WorkflowGraph(ReviewSamples.generated(nodes: 80)).withinBudget()),
            ])
        let text = report.markdown()
        #expect(
            text.hasPrefix(
                "## Kapso workflows in this change\n\n`main` → `HEAD`\n\n| Workflow | Change | Nodes | Edges | Triggers | Checks |\n"))
        #expect(text.contains("| `old` | removed |  |  |  |  |\n"))
        #expect(text.contains("| `new` | added | 80 nodes |  |  | ✅ |\n"), "every node counted, collapsed ones too")
        #expect(
            text.contains("| `sales` ⚠️ | changed | 1 added, 1 changed, 1 removed, 1 moved | 1 added, 1 relabelled, 1 removed |  | ✅ |\n"),
            "\(text)")
        #expect(text.contains("| `support` | changed |"))
        #expect(text.contains("| ❌ 1 |"))
        #expect(text.contains("> ⚠️ `sales`: changed in Kapso since the base: merging this will be merged with Kapso's edit.\n"))
        #expect(text.contains("### `support`: changed\n\n- **node step_3**: changed\n"))
        #expect(text.contains("- ❌ workflows/support/definition.json: edge: target \"x\" is not a node\n"))
        #expect(text.contains("<details><summary>Graph: 21 nodes</summary>\n\n```mermaid\nflowchart TD\n"))
        #expect(text.components(separatedBy: "```mermaid").count == 4, "one graph per changed or added workflow, none for a removed one")
    }

    @Test func noChangeSaysSo() {
        #expect(ReviewReport(title: "T", workflows: []).markdown() == "## T\n\nNo workflow changed.\n")
    }

    @Test(arguments: [1_000, 5_000, 20_000, ReviewReport.gitHubCommentLimit])
    func theReportNeverPassesItsLimitAndSaysWhatItLeftOut(limit: Int) {
        let workflows = (1...300).map { Self.workflow("workflow-\(String(format: "%03d", $0))", nodes: 80) }
        let text = ReviewReport(title: "Kapso workflows in this change", workflows: workflows).markdown(limit: limit)
        #expect(text.utf8.count <= limit, "\(text.utf8.count) > \(limit)")
        #expect(text.contains("more workflows are in the table but not detailed here") || text.contains("more workflows |"))
        if limit >= 20_000 { #expect(text.contains("### `workflow-001`: changed")) }
    }

    @Test func graphsGoBeforeDetailsWhenRoomRunsOut() {
        let workflows = [Self.workflow("a", nodes: 200), Self.workflow("b", nodes: 200)]
        let whole = ReviewReport(title: "T", workflows: workflows).markdown()
        let graphSize = whole.components(separatedBy: "```mermaid")[2].utf8.count
        let text = ReviewReport(title: "T", workflows: workflows).markdown(limit: whole.utf8.count - graphSize / 2)
        #expect(text.contains("### `a`") && text.contains("### `b`"))
        #expect(text.contains("_The graph of `b` is left out: the comment would pass its size limit._"))
    }
}

@Suite struct KapsoOutlookTests {
    typealias Workflow = WorkflowMerge.Workflow
    static let base = ReviewSamples.generated(nodes: 6)
    static func renamed(_ workflow: Workflow, _ name: String) -> Workflow {
        var copy = workflow
        copy.metadata["name"] = .string(name)
        return copy
    }
    static let head = ReviewSamples.edited(base)

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let head: Workflow?
        let kapso: KapsoOutlook.Kapso
        let autoMerge: Bool
        let expected: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Kapso unchanged: no warning", head: head, kapso: .unchanged, autoMerge: true, expected: nil),
        Case(
            name: "Kapso changed another field: merged", head: head,
            kapso: .changed(
                {
                    var other = base
                    other.metadata["status"] = "draft"
                    return other
                }()), autoMerge: true,
            expected: "changed in Kapso since the base (status): merging this will be merged with Kapso's edit."),
        Case(
            name: "Kapso changed the same field: conflict", head: head, kapso: .changed(renamed(base, "Kapso's name")), autoMerge: true,
            expected:
                "changed in Kapso since the base (name): merging this will be a conflict: name: git has \"Generated 6 v2\", Kapso has \"Kapso's name\"."
        ),
        Case(
            name: "auto_merge off: any Kapso change is a conflict", head: head, kapso: .changed(renamed(base, "Other")), autoMerge: false,
            expected: "changed in Kapso since the base (name): merging this will be a conflict (`sync.auto_merge` is off)."),
        Case(
            name: "Kapso already holds the change", head: head, kapso: .changed(head), autoMerge: true,
            expected: "Kapso already holds this change: merging it will send nothing."),
        Case(
            name: "removed in Kapso", head: head, kapso: .removed, autoMerge: true,
            expected: "removed in Kapso since the base: merging this will not bring it back (the service reports it as missing)."),
        Case(
            name: "removed here, changed in Kapso", head: nil, kapso: .changed(renamed(base, "Other")), autoMerge: true,
            expected: "changed in Kapso since the base (name): removing it here will be a conflict, Kapso's edit is kept."),
    ]

    @Test(arguments: cases)
    func theWarningSaysWhatMergingWillDo(_ testCase: Case) {
        #expect(
            KapsoOutlook.warning(base: Self.base, head: testCase.head, kapso: testCase.kapso, autoMerge: testCase.autoMerge)
                == testCase.expected)
    }
}
