import CanonicalJSON

/// One workflow as the fake stores it: metadata plus the graph in the read shape, exactly as stored
/// (optional keys present only where they were set), so that what was seeded comes back unchanged.
public struct FakeWorkflow: Sendable, Equatable {
    public var id: String
    public var name: String
    public var slug: String
    public var description: String?
    public var status: String
    public var lockVersion: Int
    public var messageDebounceSeconds: Int?
    public var inboundMessageReadMode: String
    public var createdAt: String
    public var updatedAt: String
    public var sequence: Int
    /// Nodes in the read shape: `{id, type, position, data: {node_type, config, display_name?}}`.
    public var nodes: [JSONValue]
    /// Edges in the read shape, with the server's `id` and `flow_condition_id`.
    public var edges: [JSONValue]
    public var triggers: [FakeTrigger]

    func metadata(projectID: String) -> [String: JSONValue] {
        [
            "id": .string(id),
            "name": .string(name),
            "slug": .string(slug),
            "description": description.map { .string($0) } ?? .null,
            "status": .string(status),
            "lock_version": .number(JSONNumber(lockVersion)),
            "message_debounce_seconds": messageDebounceSeconds.map { .number(JSONNumber($0)) } ?? .null,
            "agent_default_tools_version": 1,
            "inbound_message_read_mode": .string(inboundMessageReadMode),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
            "project_id": .string(projectID),
            "execution_count": 0,
            "last_executed_at": .null,
        ]
    }

    func withDefinition(projectID: String) -> [String: JSONValue] {
        var object = metadata(projectID: projectID)
        object["definition"] = ["nodes": .array(nodes), "edges": .array(edges)]
        return object
    }
}

/// A trigger as stored: its type-specific settings are kept whole in `triggerable`.
public struct FakeTrigger: Sendable, Equatable {
    public var id: String
    public var triggerType: String
    public var active: Bool
    public var triggerable: [String: JSONValue]
    public var createdAt: String

    func json(workflowID: String) -> JSONValue {
        let displayName: String =
            switch triggerType {
            case "inbound_message": "WhatsApp: \(triggerable["phone_number_id"]?.stringValue ?? "")"
            case "api_call": "API Call Trigger"
            case "project_event": "Event: \(triggerable["event_name"]?.stringValue ?? "")"
            default: "WhatsApp event"
            }
        return [
            "id": .string(id),
            "workflow_id": .string(workflowID),
            "trigger_type": .string(triggerType),
            "active": .bool(active),
            "display_name": .string(displayName),
            "created_at": .string(createdAt),
            "updated_at": .string(createdAt),
            "triggerable": .object(triggerable),
        ]
    }
}
