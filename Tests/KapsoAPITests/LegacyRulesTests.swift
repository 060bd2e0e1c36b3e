import CanonicalJSON
import KapsoAPI
import KapsoModels
import Testing

/// The legacy Flows API's pure rules: the version made from `updated_at`, slugs made from names, the
/// read-back check and the trigger plan.
@Suite struct LegacyRulesTests {
    @Test(arguments: [
        ("2026-01-01T00:00:00Z", 1_767_225_600_000_000),
        ("2026-01-01T00:00:00.5Z", 1_767_225_600_500_000),
        ("2026-01-01T00:00:00.123456789Z", 1_767_225_600_123_456),
        ("2026-01-01T01:00:00+01:00", 1_767_225_600_000_000),
        ("2026-01-01T01:00:00.000+0100", 1_767_225_600_000_000),
        ("2025-12-31T19:00:00-05:00", 1_767_225_600_000_000),
        ("2026-01-01 00:00:01Z", 1_767_225_601_000_000),
        ("1970-01-01T00:00:00Z", 0),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000_000),
    ])
    func anUpdatedAtBecomesMicrosecondsSince1970(_ text: String, _ expected: Int) {
        #expect(LegacyVersion.lockVersion(updatedAt: text) == expected)
    }

    @Test(arguments: [
        "", "yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00+1:00",
    ])
    func aTimeThatIsNotISO8601GivesNoVersion(_ text: String) {
        #expect(LegacyVersion.lockVersion(updatedAt: text) == nil)
    }

    @Test func onlyAVersionMadeFromItsOwnTimeCountsAsRecordedThroughTheLegacyAPI() {
        #expect(LegacyVersion.isLegacy(lockVersion: 1_767_225_600_000_000, updatedAt: "2026-01-01T00:00:00Z"))
        #expect(!LegacyVersion.isLegacy(lockVersion: 7, updatedAt: "2026-01-01T00:00:00Z"))
        #expect(!LegacyVersion.isLegacy(lockVersion: nil, updatedAt: "2026-01-01T00:00:00Z"))
        #expect(!LegacyVersion.isLegacy(lockVersion: 1_767_225_600_000_000, updatedAt: nil))
    }

    @Test(arguments: [
        ("Customer Onboarding Flow", "customer-onboarding-flow"),
        ("  Café — Menú del día!! ", "cafe-menu-del-dia"),
        ("Ünïcödé 2.0", "unicode-2-0"),
        ("FAQ/Support (v2)", "faq-support-v2"),
        ("", "flow"),
        ("🙂", "flow"),
        (String(repeating: "ab ", count: 60), String(String(repeating: "ab-", count: 34).prefix(100)).trimmingCharacters(in: ["-"])),
    ])
    func aNameGivesTheSlugThePlatformAPIWouldDerive(_ name: String, _ slug: String) {
        #expect(NameSlug.derive(from: name) == slug)
        #expect(NameSlug.derive(from: name).count <= NameSlug.maximumLength)
    }

    @Test func aTakenSlugGetsTheFirstFreeNumber() {
        #expect(NameSlug.unique("menu", avoiding: { _ in false }) == "menu")
        #expect(NameSlug.unique("menu", avoiding: { ["menu", "menu-2"].contains($0) }) == "menu-3")
        let long = String(repeating: "a", count: 100)
        let unique = NameSlug.unique(long, avoiding: { $0 == long })
        #expect(unique == String(repeating: "a", count: 98) + "-2")
    }

    @Test func theSlugBookKeepsTheRepositorysFoldersAndGivesNewFlowsUniqueOnes() {
        var book = LegacySlugBook()
        book.remember(["id-1": "orders"])
        #expect(book.slug(forID: "id-1", name: "Renamed in Kapso") == "orders", "a rename in Kapso does not move the folder")
        #expect(book.slug(forID: "id-2", name: "Orders") == "orders-2", "a second flow with the name of a folder in use")
        #expect(book.slug(forID: "id-3", name: "Support") == "support")
        #expect(book.slug(forID: "id-3", name: "Support, renamed") == "support", "stable in the process once given")
        // The repository now records id-4 in support: the repository wins, id-3 is given another.
        book.remember(["id-1": "orders", "id-4": "support"])
        #expect(book.slug(forID: "id-4", name: "x") == "support")
        #expect(book.slug(forID: "id-3", name: "Support") == "support-2")
        #expect(book.slug(forID: "id-2", name: "Orders") == "orders-2", "kept while no known flow uses it")
        book.record(id: "id-1", slug: "order-status")
        #expect(book.slug(forID: "id-1", name: "x") == "order-status", "a folder moved in git")
        // A creation whose answer was lost: the flow of that name comes back in the folder it was made from.
        book.remember(["id-1": "order-status"], creatingByName: ["Welcome back": "greeting", "Taken": "order-status"])
        #expect(book.slug(forID: "id-5", name: "Welcome back") == "greeting")
        #expect(book.slug(forID: "id-6", name: "Taken") == "taken", "never a folder another flow holds")
    }

    static func readBack(
        nodes: [JSONValue], edges: [JSONValue], name: String = "Flow", description: JSONValue = .null
    ) throws
        -> WorkflowWithDefinition
    {
        try WorkflowWithDefinition([
            "id": "f1", "name": .string(name), "slug": "flow", "status": "draft", "description": description,
            "definition": ["nodes": .array(nodes), "edges": .array(edges)],
        ])
    }

    static let sentNode: JSONValue = [
        "id": "hello", "position": ["x": 10, "y": .number(JSONNumber(literal: "20.0"))],
        "data": ["node_type": "send_text", "config": ["message": "Hola"]],
    ]
    static let sent: [String: JSONValue] = [
        "name": "Flow", "description": .null,
        "definition": ["nodes": [sentNode], "edges": [["source": "start", "target": "hello", "label": "next"]]],
    ]

    @Test func aReadBackWithWhatWasWrittenPlusServerDefaultsIsTheWrite() throws {
        let node: JSONValue = [
            "id": "hello", "type": "flow-node", "position": ["x": .number(JSONNumber(literal: "10.0")), "y": 20],
            "data": ["node_type": "send_text", "display_name": "Send Text", "config": ["message": "Hola", "delay_seconds": 0]],
        ]
        let edges: [JSONValue] = [["id": "e1", "source": "start", "target": "hello", "label": "next", "flow_condition_id": .null]]
        #expect(LegacyWriteCheck.difference(sent: Self.sent, readBack: try Self.readBack(nodes: [node], edges: edges)) == nil)
    }

    static func node(_ id: String = "hello", x: Int = 10, message: String = "Hola") -> JSONValue {
        [
            "id": .string(id), "position": ["x": .number(JSONNumber(x)), "y": 20],
            "data": ["node_type": "send_text", "config": ["message": .string(message)]],
        ]
    }

    @Test func aReadBackThatDiffersFromTheWriteIsSomeoneElsesWrite() throws {
        let cases: [(reason: String, name: String, nodes: [JSONValue], label: String)] = [
            ("its name is not the one written", "Other", [Self.node()], "next"),
            ("node hello is not the one written", "Flow", [Self.node(message: "Adiós")], "next"),
            ("node hello is not the one written", "Flow", [Self.node(x: 99)], "next"),
            ("its nodes are not the ones written", "Flow", [Self.node(), Self.node("extra")], "next"),
            ("its edges are not the ones written", "Flow", [Self.node()], "other"),
        ]
        for (reason, name, nodes, label) in cases {
            let edges: [JSONValue] = [["source": "start", "target": "hello", "label": .string(label)]]
            let readBack = try Self.readBack(nodes: nodes, edges: edges, name: name)
            #expect(LegacyWriteCheck.difference(sent: Self.sent, readBack: readBack) == reason)
        }
    }

    static func legacyTrigger(_ id: String, _ type: String, active: Bool, config: String? = nil) -> JSONValue {
        var triggerable: [String: JSONValue] = ["id": .string("t-\(id)")]
        if let config { triggerable["whatsapp_config_id"] = .string(config) }
        return ["id": .string(id), "trigger_type": .string(type), "active": .bool(active), "triggerable": .object(triggerable)]
    }

    @Test func triggersAreCreatedSwitchedAndDeletedOneByOne() throws {
        let current = [
            Self.legacyTrigger("a", "inbound_message", active: true, config: "wa-1"),
            Self.legacyTrigger("b", "api_call", active: true),
            Self.legacyTrigger("c", "inbound_message", active: true, config: "wa-2"),
        ]
        let desired: [JSONValue] = [
            ["trigger_type": "inbound_message", "active": true, "whatsapp_config_id": "wa-1"],
            ["trigger_type": "api_call", "active": false],
            ["trigger_type": "inbound_message", "active": true, "whatsapp_config_id": "wa-3"],
        ]
        #expect(
            try LegacyTriggerPlan.plan(current: current, desired: desired) == [
                .create(["trigger_type": "inbound_message", "active": true, "whatsapp_config_id": "wa-3"]),
                .setActive(triggerID: "b", active: false),
                .delete(triggerID: "c"),
            ])
        #expect(
            try LegacyTriggerPlan.plan(
                current: current,
                desired: current.map { trigger in
                    var object: [String: JSONValue] = ["trigger_type": trigger["trigger_type"]!, "active": trigger["active"]!]
                    object["whatsapp_config_id"] = trigger["triggerable"]?["whatsapp_config_id"]
                    return .object(object)
                }
            ).isEmpty, "the same triggers: nothing to send")
    }

    @Test(
        arguments: [
            (
                ["trigger_type": "whatsapp_event", "active": true, "event": "x"] as JSONValue,
                "the legacy Flows API has no whatsapp_event triggers"
            ),
            (
                ["trigger_type": "inbound_message", "active": true, "whatsapp_config_id": "wa", "phone_number_id": "1555"] as JSONValue,
                "have no phone_number_id"
            ),
            (["trigger_type": "inbound_message", "active": true] as JSONValue, "names its whatsapp_config_id"),
        ] as [(JSONValue, String)])
    func aTriggerTheLegacyAPICannotHoldIsRefusedByName(_ trigger: JSONValue, _ words: String) {
        #expect {
            try LegacyTriggerPlan.plan(current: [], desired: [trigger])
        } throws: { error in
            (error as? LegacyTriggerPlan.Unsupported)?.description.contains(words) == true
        }
    }

    @Test func aLegacyDefinitionReadsAsAPlatformOne() throws {
        let flow: [String: JSONValue] = [
            "id": "f1", "name": "Flow", "status": "active", "updated_at": "2026-01-01T00:00:00Z", "whatsapp_configs": [],
            "definition": [
                "nodes": [
                    [
                        "id": "start", "type": "flow-node", "position": ["x": 0, "y": 0],
                        "data": ["nodeType": "start", "displayName": "Start", "config": [:]],
                    ]
                ],
                "edges": [],
            ],
        ]
        let translated = try WorkflowWithDefinition(.object(LegacyFlowShape.workflowWithDefinition(flow, slug: "flow")))
        #expect(translated.workflow.slug == "flow")
        #expect(translated.workflow.lockVersion == 1_767_225_600_000_000)
        #expect(translated.nodes.first?["data"] == ["node_type": "start", "display_name": "Start", "config": [:]])
        #expect(translated.workflow.raw["whatsapp_configs"] == nil)
        #expect(LegacyFlowShape.flowWrite(["name": "n", "slug": "s", "lock_version": 3, "status": "active"]) == ["name": "n"])
    }
}
