import CanonicalJSON
import KapsoModels

/// The legacy Flows API's answers in the Platform API's shapes, which the models read, and the
/// engine's writes in the legacy shape. Pure.
public enum LegacyFlowShape {
    /// A flow (an entry of `GET /flows`, or `GET /flows/{id}`) as a Platform workflow: with `slug`
    /// (the API has none) and `lock_version` derived from `updated_at`; every other field kept.
    public static func workflow(_ flow: [String: JSONValue], slug: String) -> [String: JSONValue] {
        var object = flow
        object["slug"] = .string(slug)
        let version = LegacyVersion.lockVersion(updatedAt: flow["updated_at"]?.stringValue)
        object["lock_version"] = version.map { .number(JSONNumber($0)) } ?? .null
        return object
    }

    /// `GET /flows/{id}/definition` as `GET /workflows/{id}/definition` answers: nodes read with
    /// `nodeType` and `displayName` get the write names `node_type` and `display_name`, and the
    /// project's `whatsapp_configs` (not part of the flow) are left out.
    public static func workflowWithDefinition(_ flow: [String: JSONValue], slug: String) -> [String: JSONValue] {
        var object = workflow(flow, slug: slug)
        object.removeValue(forKey: "whatsapp_configs")
        if case .object(var definition)? = object["definition"], let nodes = definition["nodes"]?.arrayValue {
            definition["nodes"] = .array(nodes.map(platformNode))
            object["definition"] = .object(definition)
        }
        return object
    }

    static func platformNode(_ node: JSONValue) -> JSONValue {
        guard var object = node.objectValue, var data = object["data"]?.objectValue else { return node }
        for (legacy, platform) in [("nodeType", "node_type"), ("displayName", "display_name")] {
            if let value = data.removeValue(forKey: legacy), data[platform] == nil { data[platform] = value }
        }
        object["data"] = .object(data)
        return .object(object)
    }

    /// A flow trigger as a Platform trigger: its triggerable's settings without the triggerable's own id.
    public static func trigger(_ legacy: JSONValue) -> JSONValue {
        guard var object = legacy.objectValue else { return legacy }
        object.removeValue(forKey: "flow_id")
        if case .object(var triggerable)? = object["triggerable"] {
            triggerable.removeValue(forKey: "id")
            object["triggerable"] = .object(triggerable)
        }
        return .object(object)
    }

    /// The members of the engine's workflow write that the legacy `PATCH /flows/{id}` and `POST /flows` take.
    public static func flowWrite(_ fields: [String: JSONValue]) -> [String: JSONValue] {
        fields.filter { ["name", "description", "definition"].contains($0.key) }
    }
}
