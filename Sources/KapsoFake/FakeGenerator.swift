import CanonicalJSON

/// Deterministic synthetic workflows for load tests and benchmarks: the same seed gives the same project.
enum FakeGenerator {
    /// SplitMix64: tiny, fast and the same on every platform.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static func seed(_ state: inout FakeState, workflows count: Int, nodesPerWorkflow: Int, seed: UInt64) {
        var random = Random(state: seed)
        let functions = (0..<5).map { state.function(slug: "function-\($0)", name: "Function \($0)") }
        for index in 0..<count {
            var workflow = state.newWorkflow(
                name: "Generated \(index)", slug: "generated-\(index)", status: random.below(4) == 0 ? "draft" : "active")
            workflow.lockVersion = 1 + random.below(50)
            var nodes: [JSONValue] = [node(id: "start", type: "start", config: [:], x: 0, y: 0)]
            var edges: [JSONValue] = []
            var previous = "start"
            for position in 1..<max(2, nodesPerWorkflow) {
                let id = "step_\(position)"
                let config: JSONValue
                let type: String
                switch random.below(4) {
                case 0:
                    type = "wait_for_response"
                    config = [
                        "has_timeout": true, "timeout_seconds": .number(JSONNumber(60 * (1 + random.below(10)))),
                        "save_response_to": .string("reply_\(position)"),
                    ]
                case 1:
                    type = "function"
                    config = ["function_id": .string(functions[random.below(functions.count)].id), "save_response_to": .null]
                default:
                    type = "send_text"
                    config = [
                        "message": .string("Mensaje \(position) de \(index): ¿qué necesitas? 👋 \(random.next())"),
                        "phone_number_id": "15551234567",
                    ]
                }
                nodes.append(node(id: id, type: type, config: config, x: position * 240, y: random.below(400) - 200))
                edges.append([
                    "id": .string(state.identity.nextID()), "source": .string(previous), "target": .string(id), "label": "next",
                    "type": "default", "flow_condition_id": .null,
                ])
                previous = id
            }
            workflow.nodes = nodes
            workflow.edges = edges
            workflow.triggers = [
                FakeTrigger(
                    id: state.identity.nextID(), triggerType: "inbound_message", active: true,
                    triggerable: ["phone_number_id": .string("1555\(1_000_000 + index)")], createdAt: workflow.createdAt)
            ]
            state.workflows[workflow.id] = workflow
        }
    }

    private static func node(id: String, type: String, config: JSONValue, x: Int, y: Int) -> JSONValue {
        [
            "id": .string(id), "type": "flow-node",
            "position": ["x": .number(JSONNumber(x)), "y": .number(JSONNumber(y))],
            "data": ["node_type": .string(type), "config": config, "display_name": .string(FakeState.defaultDisplayName(type))],
        ]
    }
}
