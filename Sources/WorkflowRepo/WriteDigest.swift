import CanonicalJSON

/// A fingerprint of what a push sends: the fields of a workflow that Kapso stores as they are written
/// (node ids, positions, types and configs; edges; name, status, metadata; triggers), leaving out what
/// Kapso fills in or renames itself (display names, edge renderer types). Equal fingerprints mean
/// Kapso holds exactly what was pushed, which is how a push whose answer was lost is recognised.
public enum WriteDigest {
    public static func of(_ workflow: LocalWorkflow) -> String {
        let nodes = (workflow.definition["nodes"]?.arrayValue ?? []).map(node).sorted(by: precedes)
        let edges = (workflow.definition["edges"]?.arrayValue ?? []).map(edge).sorted(by: precedes)
        let metadata = workflow.metadata
        let triggers = (metadata["triggers"]?.arrayValue ?? []).map(trigger)
        var value: [String: JSONValue] = ["nodes": .array(nodes), "edges": .array(edges), "triggers": .array(triggers)]
        value["name"] = metadata["name"] ?? .null
        value["status"] = metadata["status"] ?? .null
        if let description = metadata["description"]?.stringValue, !description.isEmpty {
            value["description"] = .string(description)
        }
        let debounce = JSONNumber(WorkflowExporter.defaultMessageDebounceSeconds)
        value["message_debounce_seconds"] = metadata["message_debounce_seconds"] ?? .number(debounce)
        value["inbound_message_read_mode"] =
            metadata["inbound_message_read_mode"] ?? .string(WorkflowExporter.defaultInboundMessageReadMode)
        return FileHash.sha256(CanonicalJSONWriter.canonicalBytes(.object(value)))
    }

    private static func node(_ node: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = [:]
        object["id"] = node["id"] ?? .null
        object["position"] = node["position"] ?? .null
        object["node_type"] = node["data"]?["node_type"] ?? .null
        object["config"] = node["data"]?["config"] ?? .null
        return .object(object)
    }

    private static func edge(_ edge: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = [:]
        object["source"] = edge["source"] ?? .null
        object["target"] = edge["target"] ?? .null
        object["label"] = edge["label"] ?? "next"
        return .object(object)
    }

    private static func trigger(_ trigger: JSONValue) -> JSONValue {
        guard var object = trigger.objectValue else { return trigger }
        if object["active"] == nil { object["active"] = true }
        return .object(object)
    }

    private static func precedes(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        CanonicalJSONWriter.compactBytes(lhs).lexicographicallyPrecedes(CanonicalJSONWriter.compactBytes(rhs))
    }
}
