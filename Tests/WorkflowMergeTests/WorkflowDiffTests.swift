import CanonicalJSON
import Testing
import WorkflowMerge

@Suite struct WorkflowDiffTests {
    typealias Workflow = WorkflowMerge.Workflow
    static let base = WorkflowMergeTests.base
    static func workflow(
        nodes: [JSONValue] = base.definition["nodes"]!.arrayValue!, edges: [JSONValue] = base.definition["edges"]!.arrayValue!,
        name: String = "Travel", triggers: [JSONValue] = [WorkflowMergeTests.inbound]
    ) -> Workflow {
        WorkflowMergeTests.workflow(nodes: nodes, edges: edges, name: name, triggers: triggers)
    }
    static func node(_ id: String, x: Int = 0, y: Int = 0, config: [String: JSONValue] = [:]) -> JSONValue {
        WorkflowMergeTests.node(id, x: x, y: y, config: config)
    }
    static func edge(_ source: String, _ target: String, _ label: String = "next") -> JSONValue {
        WorkflowMergeTests.edge(source, target, label)
    }

    @Test func everyKindOfChangeIsNamedWithItsValues() {
        let after = Self.workflow(
            nodes: [
                Self.node("start", x: 10, y: 20), Self.node("ask", config: ["message": "Hi"]),
                Self.node(
                    "agent", config: ["prompt": .string(WorkflowMergeTests.prompt.replacingOccurrences(of: "Be brief.", with: "Be kind."))]),
                Self.node("review"),
            ],
            edges: [Self.edge("start", "ask", "go"), Self.edge("ask", "agent", "next")], name: "Trips",
            triggers: [WorkflowMergeTests.inboundOff, WorkflowMergeTests.api])
        let diff = WorkflowDiff.between(Self.base, after)
        let report = WorkflowDiffReport(folders: [.init(slug: "travel", status: "changed", diff: diff)])
        #expect(
            report.text() == """
                workflows/travel: changed
                  node ask: changed
                    data.config.message: "Hello" → "Hi"
                  node agent: changed
                    data.config.prompt:
                      -Be brief.
                      +Be kind.
                  node review: added (send_text)
                  edge start → ask: relabelled
                    label: "next" → "go"
                  edge ask → agent (next): added
                  trigger inbound_message {"phoneNumberId":"15551234567"}: switched off
                  trigger api_call: added
                  name: "Travel" → "Trips"
                  1 node moved (layout only): start

                """)
        #expect(report.markdown().contains("  - `data.config.prompt`:\n    ```diff\n    -Be brief.\n    +Be kind.\n    ```\n"))
    }

    @Test func aFolderRemovedAndAnotherAddedWithTheSameDefinitionIsARename() {
        let renamed = Workflow(
            definition: Self.base.definition, metadata: Self.base.metadata.merging(["name": "Trips", "slug": "trips"]) { $1 })
        let report = WorkflowDiffReport.build(
            before: ["travel": .workflow(Self.base), "old": .workflow(Self.workflow(edges: []))],
            after: ["trips": .workflow(renamed), "new": .unreadable("workflows/new/definition.json: not a JSON object")])
        #expect(report.folders.map(\.slug) == ["new", "old", "trips"])
        #expect(report.folders.map(\.status) == ["added", "removed", "renamed"])
        #expect(report.folders.last?.renamedFrom == "travel")
        #expect(
            report.text().contains("workflows/trips: renamed from travel\n  name: \"Travel\" → \"Trips\"\n  slug: \"travel\" → \"trips\"\n")
        )
        #expect(report.text().contains("workflows/new: added\n  cannot be read: workflows/new/definition.json: not a JSON object\n"))
    }

    @Test func nothingChangedIsAnEmptyReport() {
        let report = WorkflowDiffReport.build(before: ["travel": .workflow(Self.base)], after: ["travel": .workflow(Self.base)])
        #expect(report.isEmpty && report.text().isEmpty)
        #expect(report.markdown() == "No workflow changed.\n")
    }
}
