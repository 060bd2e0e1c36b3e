import CanonicalJSON
import Foundation
import Testing
import WorkflowMerge

@Suite struct WorkflowMergeTests {
    typealias Workflow = WorkflowMerge.Workflow

    static func node(_ id: String, x: Int = 0, y: Int = 0, config: [String: JSONValue] = [:]) -> JSONValue {
        [
            "id": .string(id), "type": "flow-node",
            "position": ["x": .number(JSONNumber(x)), "y": .number(JSONNumber(y))],
            "data": ["node_type": "send_text", "config": .object(config)],
        ]
    }

    static func edge(_ source: String, _ target: String, _ label: String = "next") -> JSONValue {
        ["source": .string(source), "target": .string(target), "label": .string(label), "type": "default"]
    }

    static let inbound: JSONValue = ["active": true, "triggerType": "inbound_message", "phoneNumberId": "15551234567"]
    static let inboundOff: JSONValue = ["active": false, "triggerType": "inbound_message", "phoneNumberId": "15551234567"]
    static let api: JSONValue = ["active": false, "triggerType": "api_call"]

    static let prompt = "You are a travel agent.\n\nAsk for the dates.\n\nAsk for the budget.\n\nBe brief."

    static func workflow(
        nodes: [JSONValue] = [
            node("start"), node("ask", config: ["message": "Hello"]), node("agent", config: ["prompt": .string(prompt)]),
        ],
        edges: [JSONValue] = [edge("start", "ask")], name: String = "Travel", triggers: [JSONValue] = [inbound]
    ) -> Workflow {
        Workflow(
            definition: ["nodes": .array(nodes), "edges": .array(edges)],
            metadata: ["name": .string(name), "slug": "travel", "status": "active", "triggers": .array(triggers)])
    }

    static let base = workflow()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let ours: Workflow
        let theirs: Workflow
        let expected: WorkflowMerge.Result
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "different nodes",
            ours: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hi"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello"]), node("agent", config: ["prompt": "New prompt"]),
            ]),
            expected: .merged(
                workflow(nodes: [node("start"), node("ask", config: ["message": "Hi"]), node("agent", config: ["prompt": "New prompt"])]))),
        Case(
            name: "same node, different fields",
            ours: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hi"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello", "phone_number_id": "1"]),
                node("agent", config: ["prompt": .string(prompt)]),
            ]),
            expected: .merged(
                workflow(nodes: [
                    node("start"), node("ask", config: ["message": "Hi", "phone_number_id": "1"]),
                    node("agent", config: ["prompt": .string(prompt)]),
                ]))),
        Case(
            name: "same field, different values: a conflict naming the node, the field and both values",
            ours: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hi"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hey"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            expected: .conflicts([MergeConflict(location: "node ask: data.config.message", ours: "Hi", theirs: "Hey")])),
        Case(
            name: "the same change on both sides", ours: workflow(name: "Trips"), theirs: workflow(name: "Trips"),
            expected: .merged(workflow(name: "Trips"))),
        Case(
            name: "nodes added with the same id and the same content",
            ours: workflow(nodes: base.nodes + [node("new", config: ["message": "x"])]),
            theirs: workflow(nodes: base.nodes + [node("new", config: ["message": "x"])]),
            expected: .merged(workflow(nodes: base.nodes + [node("new", config: ["message": "x"])]))),
        Case(
            name: "nodes added with the same id and different content: a conflict",
            ours: workflow(nodes: base.nodes + [node("new", config: ["message": "x"])]),
            theirs: workflow(nodes: base.nodes + [node("new", config: ["message": "y"])]),
            expected: .conflicts([MergeConflict(location: "node new: data.config.message", ours: "x", theirs: "y")])),
        Case(
            name: "different nodes added on both sides, git's order then Kapso's",
            ours: workflow(nodes: base.nodes + [node("mine")]), theirs: workflow(nodes: base.nodes + [node("theirs")]),
            expected: .merged(workflow(nodes: base.nodes + [node("mine"), node("theirs")]))),
        Case(
            name: "a node deleted in git and edited in Kapso: a conflict",
            ours: workflow(nodes: [node("start"), node("agent", config: ["prompt": .string(prompt)])]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hey"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            expected: .conflicts([
                MergeConflict(location: "node ask", ours: nil, theirs: node("ask", config: ["message": "Hey"]))
            ])),
        Case(
            name: "a node deleted in git and left alone in Kapso: deleted",
            ours: workflow(nodes: [node("start"), node("agent", config: ["prompt": .string(prompt)])]), theirs: workflow(name: "Trips"),
            expected: .merged(workflow(nodes: [node("start"), node("agent", config: ["prompt": .string(prompt)])], name: "Trips"))),
        Case(
            name: "edges added on both sides", ours: workflow(edges: [edge("start", "ask"), edge("ask", "agent")]),
            theirs: workflow(edges: [edge("start", "ask"), edge("start", "agent", "fallback")]),
            expected: .merged(workflow(edges: [edge("start", "ask"), edge("ask", "agent"), edge("start", "agent", "fallback")]))),
        Case(
            name: "a prompt edited in different paragraphs on both sides",
            ours: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello"]),
                node("agent", config: ["prompt": .string(prompt.replacingFirst("Ask for the dates.", with: "Ask for the travel dates."))]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello"]),
                node("agent", config: ["prompt": .string(prompt.replacingFirst("Be brief.", with: "Be brief and kind."))]),
            ]),
            expected: .merged(
                workflow(nodes: [
                    node("start"), node("ask", config: ["message": "Hello"]),
                    node(
                        "agent",
                        config: [
                            "prompt": "You are a travel agent.\n\nAsk for the travel dates.\n\nAsk for the budget.\n\nBe brief and kind."
                        ]),
                ]))),
        Case(
            name: "a prompt's same line edited on both sides: a conflict",
            ours: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello"]),
                node("agent", config: ["prompt": .string(prompt.replacingFirst("Be brief.", with: "Be short."))]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hello"]),
                node("agent", config: ["prompt": .string(prompt.replacingFirst("Be brief.", with: "Be kind."))]),
            ]),
            expected: .conflicts([
                MergeConflict(
                    location: "node agent: data.config.prompt", ours: .string(prompt.replacingFirst("Be brief.", with: "Be short.")),
                    theirs: .string(prompt.replacingFirst("Be brief.", with: "Be kind.")))
            ])),
        Case(
            name: "positions moved on both sides, different axes: each side's axis",
            ours: workflow(nodes: [node("start", x: 100)] + base.nodes.dropFirst()),
            theirs: workflow(nodes: [node("start", y: 200)] + base.nodes.dropFirst()),
            expected: .merged(workflow(nodes: [node("start", x: 100, y: 200)] + base.nodes.dropFirst()))),
        Case(
            name: "positions moved on both sides, the same axis: Kapso's, never a conflict",
            ours: workflow(nodes: [node("start", x: 100, y: 5)] + base.nodes.dropFirst()),
            theirs: workflow(nodes: [node("start", x: 300)] + base.nodes.dropFirst()),
            expected: .merged(workflow(nodes: [node("start", x: 300, y: 5)] + base.nodes.dropFirst()))),
        Case(
            name: "a position moved on one side, the node edited on the other",
            ours: workflow(nodes: [
                node("start"), node("ask", x: 50, config: ["message": "Hello"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            theirs: workflow(nodes: [
                node("start"), node("ask", config: ["message": "Hey"]), node("agent", config: ["prompt": .string(prompt)]),
            ]),
            expected: .merged(
                workflow(nodes: [
                    node("start"), node("ask", x: 50, config: ["message": "Hey"]), node("agent", config: ["prompt": .string(prompt)]),
                ]))),
        Case(
            name: "triggers changed on both sides: an API trigger added in git, the inbound one switched off in Kapso",
            ours: workflow(triggers: [inbound, api]), theirs: workflow(triggers: [inboundOff]),
            expected: .merged(workflow(triggers: [inboundOff, api]))),
        Case(
            name: "the same trigger switched differently: a conflict",
            ours: workflow(triggers: [inboundOff]), theirs: workflow(triggers: []),
            expected: .conflicts([
                MergeConflict(location: "trigger inbound_message {\"phoneNumberId\":\"15551234567\"}", ours: inboundOff, theirs: nil)
            ])),
        Case(
            name: "name in Kapso, definition in git", ours: workflow(edges: []), theirs: workflow(name: "Trips"),
            expected: .merged(workflow(edges: [], name: "Trips"))),
        Case(
            name: "status in Kapso, name in git", ours: workflow(name: "Trips"),
            theirs: Workflow(definition: base.definition, metadata: base.metadata.merging(["status": "draft"]) { $1 }),
            expected: .merged(
                Workflow(definition: base.definition, metadata: workflow(name: "Trips").metadata.merging(["status": "draft"]) { $1 }))),
    ]

    @Test(arguments: cases)
    func merges(_ testCase: Case) {
        #expect(WorkflowMerge.merge(base: Self.base, ours: testCase.ours, theirs: testCase.theirs) == testCase.expected)
    }

    @Test(arguments: [
        (workflow(), [String]()),
        (
            workflow(nodes: [node("start", x: 5), node("ask", config: ["message": "Hi"]), node("review")]),
            [
                "node start: position.x", "node ask: data.config.message", "node review added", "node agent removed",
            ]
        ),
        (workflow(edges: [edge("ask", "agent")]), ["edge ask → agent (next) added", "edge start → ask (next) removed"]),
        (
            workflow(triggers: [inboundOff, api]),
            ["trigger inbound_message {\"phoneNumberId\":\"15551234567\"} switched off", "trigger api_call added"]
        ),
        (workflow(name: "Trips"), ["name"]),
    ])
    func changesAreNamedInTheTermsAPersonEditsIn(side: Workflow, expected: [String]) {
        #expect(WorkflowChanges.between(Self.base, side) == expected)
    }

    @Test func textsTooLongToMergeLineByLineAreAConflictNotAnOutOfMemory() {
        let base = (1...3000).map { "line \($0)" }.joined(separator: "\n")
        let ours = base.replacingOccurrences(of: "line 10\n", with: "line ten\n")
        let theirs = base.replacingOccurrences(of: "line 2900\n", with: "line two thousand nine hundred\n")
        #expect(TextMerge.merge(base: base, ours: ours, theirs: theirs) == nil)
        let short = (1...300).map { "line \($0)" }.joined(separator: "\n")
        let merged = TextMerge.merge(
            base: short, ours: short.replacingOccurrences(of: "line 10\n", with: "line ten\n"),
            theirs: short.replacingOccurrences(of: "line 290\n", with: "line two hundred ninety\n"))
        #expect(merged?.contains("line ten\n") == true && merged?.contains("line two hundred ninety\n") == true)
    }

    @Test func toolsMergeAsASetWhereOrderCarriesNoMeaning() {
        func agent(_ tools: [String]) -> Workflow {
            Self.workflow(nodes: [Self.node("agent", config: ["enabled_default_tools": .array(tools.map { .string($0) })])])
        }
        let merged = WorkflowMerge.merge(base: agent(["a", "b"]), ours: agent(["b", "a", "c"]), theirs: agent(["a", "d"]))
        #expect(merged == .merged(agent(["a", "c", "d"])))
    }

    @Test(arguments: [
        ("a\nb\nc\nd\ne", "a\nB\nc\nd\ne", "a\nb\nc\nD\ne", "a\nB\nc\nD\ne"),
        ("a\nb\nc", "x\na\nb\nc", "a\nb\nc\ny", "x\na\nb\nc\ny"),
        ("a\nb\nc", "a\nc", "a\nb\nc", "a\nc"),
        ("a\nb", "a\nb\nc", "a\nb\nc", "a\nb\nc"),
        ("", "x", "", "x"),
    ])
    func textsMergeLineByLine(base: String, ours: String, theirs: String, expected: String) {
        #expect(TextMerge.merge(base: base, ours: ours, theirs: theirs) == expected)
    }

    /// Adjacent lines changed on each side count as the same place, as in `git merge-file`.
    @Test(arguments: [
        ("a\nb\nc", "a\nX\nc", "a\nY\nc"), ("a", "b", "c"), ("a\nb", "a\nb\nx", "a\nb\ny"), ("a\nb\nc", "a\nB\nc", "a\nb\nC"),
    ])
    func textsChangedOnTheSameLinesDoNotMerge(base: String, ours: String, theirs: String) {
        #expect(TextMerge.merge(base: base, ours: ours, theirs: theirs) == nil)
    }
}

extension WorkflowMerge.Workflow {
    var nodes: [JSONValue] { definition["nodes"]?.arrayValue ?? [] }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
