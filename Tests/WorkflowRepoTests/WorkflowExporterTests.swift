import CanonicalJSON
import KapsoModels
import KapsoYAML
import Testing
import WorkflowRepo

@Suite struct WorkflowExporterTests {
    func workflow(
        slug: String = "support", extra: [String: JSONValue] = [:], nodes: [JSONValue] = [], edges: [JSONValue] = []
    ) throws -> WorkflowWithDefinition {
        var object: [String: JSONValue] = [
            "id": "wf-1", "name": "Support", "slug": .string(slug), "status": "active", "lock_version": 7,
            "message_debounce_seconds": 1, "inbound_message_read_mode": "read_with_typing", "description": .null,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z", "execution_count": 42,
            "definition": ["nodes": .array(nodes), "edges": .array(edges)],
        ]
        object.merge(extra) { _, new in new }
        return try WorkflowWithDefinition(.object(object))
    }

    let references = ReferenceMaps(functionSlugByID: ["fn-1": "score-lead"], workflowSlugByID: ["wf-2": "billing"])

    @Test func edgesLoseServerIdsAndKeepEverythingElse() throws {
        let exported = try WorkflowExporter.export(
            try workflow(edges: [
                ["id": "e-1", "source": "start", "target": "a", "label": "next", "type": "default", "flow_condition_id": .null],
                ["id": "e-2", "source": "a", "target": "b", "label": "yes", "flow_condition_id": "c-1", "weight": 3],
            ]), triggers: [], references: references)
        let definition = try JSONParser.parse(exported.files.definitionJSON)
        #expect(
            definition["edges"] == [
                ["source": "start", "target": "a", "label": "next", "type": "default"],
                ["source": "a", "target": "b", "label": "yes", "weight": 3],
            ])
    }

    @Test func functionAndCallReferencesBecomeSlugs() throws {
        let nodes: [JSONValue] = [
            [
                "id": "f", "type": "flow-node",
                "data": ["node_type": "function", "config": ["function_id": "fn-1", "function_name": "Score lead"]],
            ],
            [
                "id": "d",
                "data": ["node_type": "decide", "config": ["decision_type": "function", "function_id": "fn-1", "conditions": []]],
            ],
            [
                "id": "ag",
                "data": ["node_type": "agent", "config": ["flow_agent_function_tools": [["name": "t", "function_id": "fn-1"]]]],
            ],
            ["id": "c", "data": ["node_type": "call", "config": ["workflow_id": "wf-2", "workflow_name": "Billing"]]],
        ]
        let exported = try WorkflowExporter.export(try workflow(nodes: nodes), triggers: [], references: references)
        let definition = try JSONParser.parse(exported.files.definitionJSON)
        let configs = definition["nodes"]?.arrayValue?.map { $0["data"]?["config"] } ?? []
        #expect(configs[0] == ["function_slug": "score-lead", "function_name": "Score lead"])
        #expect(configs[1]?["function_slug"] == "score-lead")
        #expect(configs[2]?["flow_agent_function_tools"] == [["name": "t", "function_slug": "score-lead"]])
        #expect(configs[3] == ["workflow_slug": "billing", "workflow_name": "Billing"])
        #expect(exported.warnings.isEmpty)
    }

    @Test func unknownReferencesKeepTheirIdsWithAWarning() throws {
        let nodes: [JSONValue] = [
            ["id": "f", "data": ["node_type": "function", "config": ["function_id": "gone"]]],
            ["id": "c", "data": ["node_type": "call", "config": ["workflow_id": "elsewhere"]]],
        ]
        let exported = try WorkflowExporter.export(try workflow(nodes: nodes), triggers: [], references: references)
        let definition = try JSONParser.parse(exported.files.definitionJSON)
        #expect(definition["nodes"]?[0]?["data"]?["config"] == ["function_id": "gone"])
        #expect(definition["nodes"]?[1]?["data"]?["config"] == ["workflow_id": "elsewhere"])
        #expect(exported.warnings.count == 2)
    }

    @Test func unknownNodeTypesAndFieldsAreKept() throws {
        let node: JSONValue = [
            "id": "x", "type": "flow-node", "position": ["x": .number(JSONNumber(literal: "1.5")), "y": -2], "future": ["a": [1, 2]],
            "data": [
                "node_type": "quantum_teleport", "config": ["beam": true, "payload": .null], "display_name": "Beam me", "colour": "red",
            ],
        ]
        let exported = try WorkflowExporter.export(
            try workflow(extra: ["definition": ["nodes": [node], "edges": [], "viewport": ["zoom": 1]]]), triggers: [],
            references: references)
        let definition = try JSONParser.parse(exported.files.definitionJSON)
        #expect(definition["nodes"] == [node])
        #expect(definition["viewport"] == ["zoom": 1])
    }

    @Test func volatileMetadataNeverReachesTheFiles() throws {
        let exported = try WorkflowExporter.export(try workflow(), triggers: [], references: references)
        let text = String(decoding: exported.files.definitionJSON + exported.files.workflowYAML, as: UTF8.self)
        for volatile in ["lock_version", "execution_count", "updated_at", "created_at", "2026-01-02"] {
            #expect(!text.contains(volatile), "\(volatile) leaked into the files")
        }
        #expect(
            String(decoding: exported.files.workflowYAML, as: UTF8.self) == """
                definition: definition.json
                name: Support
                slug: support
                status: active
                triggers: []

                """)
    }

    @Test func nonDefaultMetadataIsWrittenToWorkflowYAML() throws {
        let exported = try WorkflowExporter.export(
            try workflow(extra: [
                "description": "Answers: questions", "message_debounce_seconds": 5, "inbound_message_read_mode": "disabled",
            ]),
            triggers: [], references: references)
        #expect(
            String(decoding: exported.files.workflowYAML, as: UTF8.self) == """
                definition: definition.json
                description: "Answers: questions"
                inbound_message_read_mode: disabled
                message_debounce_seconds: 5
                name: Support
                slug: support
                status: active
                triggers: []

                """)
    }

    static let triggerCases: [(JSONValue, JSONValue)] = [
        (["trigger_type": "api_call", "active": true, "triggerable": [:]], ["active": true, "triggerType": "api_call"]),
        (
            ["trigger_type": "inbound_message", "active": false, "triggerable": ["phone_number_id": "597907523413541"]],
            ["active": false, "phoneNumberId": "597907523413541", "triggerType": "inbound_message"]
        ),
        (
            [
                "trigger_type": "whatsapp_event", "active": true,
                "triggerable": ["event": "whatsapp.message.failed", "phone_number_id": "1"],
            ],
            ["active": true, "event": "whatsapp.message.failed", "phoneNumberId": "1", "triggerType": "whatsapp_event"]
        ),
        (
            [
                "trigger_type": "project_event", "active": true,
                "triggerable": ["event_name": "order.paid", "operator": "gte", "property_key": "total", "property_value": 10],
            ],
            [
                "active": true, "triggerType": "project_event",
                "triggerableAttributes": ["event_name": "order.paid", "operator": "gte", "property_key": "total", "property_value": 10],
            ]
        ),
        (
            ["trigger_type": "carrier_pigeon", "active": true, "triggerable": ["loft": "north"]],
            ["active": true, "triggerType": "carrier_pigeon", "triggerableAttributes": ["loft": "north"]]
        ),
    ]

    @Test(arguments: triggerCases)
    func triggersAreWrittenAsTheCLIWritesThem(api: JSONValue, expected: JSONValue) throws {
        let trigger = try WorkflowTrigger(api, index: 0)
        let exported = try WorkflowExporter.export(try workflow(), triggers: [trigger], references: references)
        let yaml = String(decoding: exported.files.workflowYAML, as: UTF8.self)
        let expectedYAML = CanonicalYAMLWriter.canonicalString(["triggers": [expected]])
        #expect(yaml.contains(expectedYAML.replacingOccurrences(of: "triggers:\n", with: "")), "\(yaml)")
    }

    @Test func aHostileSlugIsRefusedBeforeItBecomesAPath() throws {
        #expect(throws: LayoutError.invalidSlug("../../etc")) {
            try WorkflowExporter.export(try workflow(slug: "../../etc"), triggers: [], references: references)
        }
    }
}
