import CanonicalJSON

/// A fingerprint of what a push sends: the fields of a workflow that Kapso stores as they are written
/// (node ids, positions, types and configs; edges; name, status, metadata; triggers), leaving out what
/// Kapso fills in or renames itself (display names, edge renderer types). Equal fingerprints mean
/// Kapso holds exactly what was pushed, which is how a push whose answer was lost is recognised.
public enum WriteDigest {
    /// The digests of the parts a write sends in separate requests, so that a write interrupted between
    /// them is recognised by what did land.
    public struct Parts: Sendable, Equatable {
        /// Everything a push sends: the PATCH and the triggers.
        public let full: String
        /// What the PATCH sends: everything but the triggers.
        public let body: String
        /// The triggers alone.
        public let triggers: String
        /// What a POST creates: the graph, name, description and status.
        public let creation: String

        public init(full: String, body: String, triggers: String, creation: String) {
            self.full = full
            self.body = body
            self.triggers = triggers
            self.creation = creation
        }
    }

    public static func of(_ workflow: LocalWorkflow) -> String { parts(of: workflow).full }

    public static func parts(of workflow: LocalWorkflow) -> Parts {
        let nodes = (workflow.definition["nodes"]?.arrayValue ?? []).map(node).sorted(by: precedes)
        let edges = (workflow.definition["edges"]?.arrayValue ?? []).map(edge).sorted(by: precedes)
        let metadata = workflow.metadata
        let triggers = JSONValue.array((metadata["triggers"]?.arrayValue ?? []).map(trigger))
        var body: [String: JSONValue] = ["nodes": .array(nodes), "edges": .array(edges)]
        body["name"] = metadata["name"] ?? .null
        if let description = metadata["description"]?.stringValue, !description.isEmpty {
            body["description"] = .string(description)
        }
        var creation = body
        body["status"] = metadata["status"] ?? .null
        creation["status"] = body["status"]
        let debounce = JSONNumber(WorkflowExporter.defaultMessageDebounceSeconds)
        body["message_debounce_seconds"] = metadata["message_debounce_seconds"] ?? .number(debounce)
        body["inbound_message_read_mode"] =
            metadata["inbound_message_read_mode"] ?? .string(WorkflowExporter.defaultInboundMessageReadMode)
        var full = body
        full["triggers"] = triggers
        return Parts(
            full: digest(.object(full)), body: digest(.object(body)), triggers: digest(triggers), creation: digest(.object(creation)))
    }

    /// The `creation` part of what a POST of `workflow` leaves in Kapso: a draft, whatever the files say.
    public static func creationAsSent(_ workflow: LocalWorkflow) -> String {
        var metadata = workflow.metadata
        metadata["status"] = "draft"
        return parts(of: LocalWorkflow(slug: workflow.slug, definition: workflow.definition, metadata: metadata, files: workflow.files))
            .creation
    }

    /// The digest of a trigger list as the files write it; `[]` for a workflow just created.
    public static func triggers(_ list: [JSONValue]) -> String { digest(.array(list.map(trigger))) }

    private static func digest(_ value: JSONValue) -> String { FileHash.sha256(CanonicalJSONWriter.canonicalBytes(value)) }

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
