import CanonicalJSON
import Foundation
import KapsoModels
import TestSupport
import Testing
import WorkflowRepo

@Suite struct WorkflowValidatorTests {
    static func workflow(
        nodes: [JSONValue], edges: [JSONValue], yaml: String = "name: A\nslug: a\nstatus: draft\ntriggers: []\n"
    ) throws
        -> LocalWorkflow
    {
        try LocalWorkflow.read(
            folder: "a", definitionJSON: CanonicalJSONWriter.canonicalBytes(["nodes": .array(nodes), "edges": .array(edges)]),
            workflowYAML: Array(yaml.utf8))
    }

    static func node(_ id: String, _ type: String, config: JSONValue = [:]) -> JSONValue {
        ["id": .string(id), "type": "flow-node", "position": ["x": 0, "y": 0], "data": ["node_type": .string(type), "config": config]]
    }

    static let decide = node("route", "decide", config: ["decision_type": "ai", "conditions": [["label": "yes"], ["label": "no"]]])

    @Test(Fixtures.required, arguments: Fixtures.folders)
    func theRealWorkflowsAreValid(folder: URL) throws {
        let yaml = try Fixtures.bytes(folder.appendingPathComponent("workflow.yaml"))
        let slug = try #require(String(decoding: yaml, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("slug: ") }?.dropFirst(6))
        let local = try LocalWorkflow.read(
            folder: String(slug), definitionJSON: try Fixtures.bytes(folder.appendingPathComponent("definition.json")), workflowYAML: yaml)
        #expect(WorkflowValidator.validate(local) == [])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let nodes: [JSONValue]
        let edges: [JSONValue]
        var yaml = "name: A\nslug: a\nstatus: draft\ntriggers: []\n"
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "valid", nodes: [node("start", "start"), node("b", "send_text")], edges: [["source": "start", "target": "b"]],
            expected: []),
        Case(
            name: "no start", nodes: [node("b", "send_text")], edges: [],
            expected: ["workflows/a/definition.json: one-start-node: found 0 start nodes"]),
        Case(
            name: "two starts", nodes: [node("start", "start"), node("s2", "start")], edges: [],
            expected: ["workflows/a/definition.json: one-start-node: found 2 start nodes (s2, start)"]),
        Case(
            name: "duplicate id", nodes: [node("start", "start"), node("b", "send_text"), node("b", "handoff")], edges: [],
            expected: ["workflows/a/definition.json: unique-node-ids: node id b is used twice"]),
        Case(
            name: "dangling edge", nodes: [node("start", "start")], edges: [["source": "start", "target": "ghost"]],
            expected: ["workflows/a/definition.json: edges-reference-nodes: edge start → ghost: no node ghost"]),
        Case(
            name: "decide label without condition", nodes: [node("start", "start"), decide, node("b", "handoff")],
            edges: [["source": "start", "target": "route"], ["source": "route", "target": "b", "label": "maybe"]],
            expected: ["workflows/a/definition.json: decide-edge-labels: edge route → b: label \"maybe\" matches no condition of route"]),
        Case(
            name: "decide branches are fine", nodes: [node("start", "start"), decide, node("b", "handoff"), node("c", "handoff")],
            edges: [
                ["source": "start", "target": "route"], ["source": "route", "target": "b", "label": "yes"],
                ["source": "route", "target": "c", "label": "no"],
            ], expected: []),
        Case(
            name: "two next edges", nodes: [node("start", "start"), node("b", "handoff"), node("c", "handoff")],
            edges: [["source": "start", "target": "b"], ["source": "start", "target": "c"]],
            expected: ["workflows/a/definition.json: one-next-edge: node start has 2 outgoing edges; only a decide node may branch"]),
        Case(
            name: "unknown node type and bad id", nodes: [node("start", "start"), node("9lives", "teleport")], edges: [],
            expected: [
                "workflows/a/definition.json: schema: node id \"9lives\" must match ^[A-Za-z][A-Za-z0-9_-]*$",
                "workflows/a/definition.json: schema: node 9lives has unknown node_type \"teleport\"",
            ]),
        Case(
            name: "bad metadata", nodes: [node("start", "start")], edges: [],
            yaml: "name: A\nslug: a\nstatus: paused\ntriggers:\n  - triggerType: inbound_message\n    active: true\n",
            expected: [
                "workflows/a/workflow.yaml: schema: status must be one of draft, active, archived",
                "workflows/a/workflow.yaml: schema: triggers[0]: inbound_message needs a quoted phoneNumberId",
            ]),
        Case(
            name: "unquoted phone number", nodes: [node("start", "start")], edges: [],
            yaml:
                "name: A\nslug: a\nstatus: draft\ntriggers:\n  - triggerType: inbound_message\n    active: true\n    phoneNumberId: 1555\n",
            expected: ["workflows/a/workflow.yaml: schema: triggers[0]: inbound_message needs a quoted phoneNumberId"]),
    ]

    @Test(arguments: cases)
    func reportsEachRuleByFile(_ testCase: Case) throws {
        let workflow = try Self.workflow(nodes: testCase.nodes, edges: testCase.edges, yaml: testCase.yaml)
        #expect(WorkflowValidator.validate(workflow).map(\.description) == testCase.expected)
    }

    /// The legacy Flows API's write schema: no call, handoff or emit_event nodes, no Platform settings,
    /// triggers of two types, an inbound_message one naming a WhatsApp config.
    @Test func theLegacyAPIsNodeTypesSettingsAndTriggersAreCheckedForItsProjects() throws {
        let yaml = """
            message_debounce_seconds: 5
            name: A
            slug: a
            status: draft
            triggers:
              - active: true
                phoneNumberId: "1555"
                triggerType: inbound_message
              - active: true
                event: x
                triggerType: whatsapp_event

            """
        let workflow = try Self.workflow(
            nodes: [Self.node("start", "start"), Self.node("b", "handoff"), Self.node("c", "pipedream")],
            edges: [["source": "start", "target": "b"]], yaml: yaml)
        #expect(
            WorkflowValidator.validate(workflow, dialect: .legacy).map(\.description) == [
                "workflows/a/definition.json: schema: node b has unknown node_type \"handoff\" for the legacy API",
                "workflows/a/workflow.yaml: schema: message_debounce_seconds: the legacy API has no such setting",
                "workflows/a/workflow.yaml: schema: triggers[0]: inbound_message needs triggerableAttributes.whatsapp_config_id (legacy API)",
                "workflows/a/workflow.yaml: schema: triggers[1].triggerType must be one of api_call, inbound_message",
            ])
        #expect(
            WorkflowValidator.validate(workflow).map(\.description) == [
                "workflows/a/definition.json: schema: node c has unknown node_type \"pipedream\""
            ], "pipedream is legacy only")
    }
}
