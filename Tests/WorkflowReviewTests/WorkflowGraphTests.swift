import CanonicalJSON
import Testing
import WorkflowMerge
import WorkflowReview

@Suite struct WorkflowGraphTests {
    typealias Workflow = WorkflowMerge.Workflow
    static func node(_ id: String, _ type: String, _ x: Int, _ y: Int, _ config: [String: JSONValue]) -> JSONValue {
        ReviewSamples.node(id, type: type, x: x, y: y, config: config)
    }
    static func edge(_ source: String, _ target: String, _ label: String) -> JSONValue {
        ReviewSamples.edge(source, target, label)
    }

    static func workflow(_ nodes: [JSONValue], _ edges: [JSONValue]) -> Workflow {
        Workflow(definition: ["nodes": .array(nodes), "edges": .array(edges)], metadata: [:])
    }

    static let base = workflow(
        [
            node("start", "start", 0, 0, [:]), node("ask", "send_text", 0, 100, ["message": "Hello"]),
            node("route", "decide", 0, 200, [:]), node("bye", "send_text", 0, 300, [:]),
        ],
        [edge("start", "ask", "next"), edge("ask", "route", "next"), edge("route", "bye", "done")])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let after: Workflow
        let nodes: [String: WorkflowGraph.Status]
        let edges: [String: WorkflowGraph.Status]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "no change: all unchanged", after: base,
            nodes: ["start": .unchanged, "ask": .unchanged, "route": .unchanged, "bye": .unchanged],
            edges: ["start→ask next": .unchanged, "ask→route next": .unchanged, "route→bye done": .unchanged]),
        Case(
            name: "a node only moved: unchanged (the layout is not the flow)",
            after: workflow(
                [
                    node("start", "start", 50, 50, [:]), node("ask", "send_text", 0, 100, ["message": "Hello"]),
                    node("route", "decide", 0, 200, [:]), node("bye", "send_text", 0, 300, [:]),
                ], [edge("start", "ask", "next"), edge("ask", "route", "next"), edge("route", "bye", "done")]),
            nodes: ["start": .unchanged, "ask": .unchanged, "route": .unchanged, "bye": .unchanged],
            edges: ["start→ask next": .unchanged, "ask→route next": .unchanged, "route→bye done": .unchanged]),
        Case(
            name: "a config edit, a node added and one removed, an edge relabelled",
            after: workflow(
                [
                    node("start", "start", 0, 0, [:]), node("ask", "send_text", 0, 100, ["message": "Hi"]),
                    node("route", "decide", 0, 200, [:]), node("agent", "agent", 0, 300, [:]),
                ], [edge("start", "ask", "next"), edge("ask", "route", "go"), edge("route", "agent", "done")]),
            nodes: ["start": .unchanged, "ask": .changed, "route": .unchanged, "agent": .added, "bye": .removed],
            edges: [
                "start→ask next": .unchanged, "ask→route go": .added, "route→agent done": .added, "ask→route next": .removed,
                "route→bye done": .removed,
            ]),
    ]

    @Test(arguments: cases)
    func nodesAndEdgesAreMarkedByHowTheyChanged(_ testCase: Case) {
        let graph = WorkflowGraph(testCase.after, against: Self.base)
        #expect(Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0.status) }) == testCase.nodes)
        #expect(
            Dictionary(uniqueKeysWithValues: graph.edges.map { ("\($0.source)→\($0.target) \($0.label ?? "")", $0.status) })
                == testCase.edges)
    }

    @Test func labelsAreTheDisplayNameElseTheIdAndTheType() {
        var named = Self.node("ask", "send_text", 0, 0, [:])
        if case .object(var fields) = named, case .object(var data)? = fields["data"] {
            data["display_name"] = "Ask the name"
            fields["data"] = .object(data)
            named = .object(fields)
        }
        let graph = WorkflowGraph(Self.workflow([named, Self.node("bye", "send_text", 0, 0, [:])], []))
        #expect(graph.nodes.map(\.label) == ["Ask the name", "bye"])
        #expect(graph.nodes.map(\.type) == ["send_text", "send_text"])
        #expect(graph.nodes.allSatisfy { $0.status == .unchanged })
    }

    @Test func withinBudgetAGraphIsDrawnWhole() {
        let graph = WorkflowGraph(ReviewSamples.generated(nodes: 60))
        #expect(graph.withinBudget(60) == graph)
    }

    @Test func pastTheBudgetUnchangedRegionsCollapseAroundTheChangesAndNoChangeIsHidden() {
        let before = ReviewSamples.generated(nodes: 200)
        let after = ReviewSamples.edited(before)
        let whole = WorkflowGraph(after, against: before)
        let graph = whole.withinBudget(30)
        let real = graph.nodes.filter { $0.standsFor == nil }
        let standIns = graph.nodes.filter { $0.standsFor != nil }
        #expect(real.count == 30)
        #expect(real.count + standIns.reduce(0) { $0 + $1.standsFor! } == whole.nodes.count, "every node is drawn or counted")
        #expect(Set(whole.nodes.filter { $0.status != .unchanged }.map(\.id)).isSubset(of: Set(real.map(\.id))))
        #expect(standIns.allSatisfy { $0.label.hasSuffix("unchanged nodes") || $0.label == "1 unchanged node" })
        let drawn = Set(graph.nodes.map(\.id))
        #expect(graph.edges.allSatisfy { drawn.contains($0.source) && drawn.contains($0.target) })
        #expect(graph.edges.contains { $0.target.hasPrefix("collapsed") || $0.source.hasPrefix("collapsed") }, "regions stay linked")
    }

    @Test func withNoChangeTheNodesNearestTheStartAreDrawn() {
        let graph = WorkflowGraph(ReviewSamples.generated(nodes: 100)).withinBudget(10)
        #expect(graph.nodes.filter { $0.standsFor == nil }.map(\.id) == ["start"] + (1...9).map { "step_\($0)" })
        #expect(graph.nodes.compactMap(\.standsFor) == [90])
    }

    @Test func moreChangesThanTheBudgetAreAllDrawn() {
        let before = ReviewSamples.generated(nodes: 40)
        var after = before
        after.definition["nodes"] = .array(
            before.definition["nodes"]!.arrayValue!.map { node in
                guard case .object(var fields) = node else { return node }
                fields["type"] = "changed"
                return .object(fields)
            })
        let graph = WorkflowGraph(after, against: before).withinBudget(5)
        #expect(graph.nodes.count == 40 && graph.nodes.allSatisfy { $0.status == .changed })
    }

    @Test func mermaidAndDOTEscapeWhatWouldEndTheirStrings() {
        var odd = Self.node("odd", "send_text", 0, 0, [:])
        if case .object(var fields) = odd, case .object(var data)? = fields["data"] {
            data["display_name"] = "A \"q\" <b>#1</b> \\ x\ny"
            fields["data"] = .object(data)
            odd = .object(fields)
        }
        let graph = WorkflowGraph(Self.workflow([odd, Self.node("end", "send_text", 0, 0, [:])], [Self.edge("odd", "end", "say \"bye\"")]))
        let mermaid = MermaidFlowchart.render(graph)
        #expect(MermaidSyntax.problems(mermaid) == [], "\(mermaid)")
        #expect(mermaid.contains(#"n0["A #quot;q#quot; #lt;b#gt;#35;1#lt;/b#gt; \ x y<br/>send_text"]"#), "\(mermaid)")
        #expect(mermaid.contains("n1[\"end<br/>send_text\"]"), "a reserved word as a node id is never written as an id")
        let dot = DOTGraph.render(graph)
        #expect(dot.contains(#"n0 [label="A \"q\" <b>#1</b> \\ x y\nsend_text"];"#), "\(dot)")
    }
}
