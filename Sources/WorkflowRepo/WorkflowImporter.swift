import CanonicalJSON

/// Turns a workflow's files into what Kapso's write API takes: the `workflow` object of
/// `PATCH /workflows/{id}` (complete node and edge sets, metadata) and the `triggers` of
/// `PUT /workflows/{id}/triggers`. Slugs become ids again; read-only fields are left out. Pure.
public enum WorkflowImporter {
    public struct Write: Sendable, Equatable {
        /// The `workflow` object, without `lock_version` (the caller adds the one its change is based on).
        public let workflow: [String: JSONValue]
        public let triggers: [JSONValue]
        /// The triggers as `workflow.yaml` lists them, to compare with Kapso's before replacing them.
        public let fileTriggers: [JSONValue]
    }

    static let nodeKeys: Set<String> = ["id", "type", "position", "data"]
    static let dataKeys: Set<String> = ["node_type", "config", "display_name"]
    static let edgeKeys: Set<String> = ["source", "target", "label", "type"]

    public static func write(
        _ local: LocalWorkflow, functionIDBySlug: [String: String], workflowIDBySlug: [String: String]
    ) throws(ValidationFailure) -> Write {
        let file = RepositoryLayout.definitionPath(local.slug)
        var issues: [ValidationIssue] = []
        let nodes: [JSONValue] = (local.definition["nodes"]?.arrayValue ?? []).map { node in
            guard var object = node.objectValue else { return node }
            object = object.filter { nodeKeys.contains($0.key) }
            guard var data = object["data"]?.objectValue else { return .object(object) }
            data = data.filter { dataKeys.contains($0.key) }
            let nodeID = object["id"]?.stringValue ?? "?"
            if let config = data["config"] {
                var mapped = functionIDs(config, lookup: functionIDBySlug) { slug in
                    issues.append(.init(file: file, rule: "references", detail: "node \(nodeID): no function \(slug) in Kapso"))
                }
                if data["node_type"]?.stringValue == "call", var call = mapped.objectValue, let slug = call["workflow_slug"]?.stringValue {
                    if let id = workflowIDBySlug[slug] {
                        call.removeValue(forKey: "workflow_slug")
                        call["workflow_id"] = .string(id)
                        mapped = .object(call)
                    } else {
                        issues.append(.init(file: file, rule: "references", detail: "node \(nodeID): no workflow \(slug) in Kapso"))
                    }
                }
                data["config"] = mapped
            }
            object["data"] = .object(data)
            return .object(object)
        }
        let edges: [JSONValue] = (local.definition["edges"]?.arrayValue ?? []).map { edge in
            guard var object = edge.objectValue else { return edge }
            object = object.filter { edgeKeys.contains($0.key) }
            if object["label"] == nil || object["label"] == .null { object["label"] = "next" }
            return .object(object)
        }
        if !issues.isEmpty { throw ValidationFailure(issues: issues) }

        let metadata = local.metadata
        var workflow: [String: JSONValue] = [
            "slug": .string(local.slug.value),
            "definition": ["nodes": .array(nodes), "edges": .array(edges)],
            "description": metadata["description"] ?? .null,
            "message_debounce_seconds": metadata["message_debounce_seconds"]
                ?? .number(JSONNumber(WorkflowExporter.defaultMessageDebounceSeconds)),
            "inbound_message_read_mode": metadata["inbound_message_read_mode"] ?? .string(WorkflowExporter.defaultInboundMessageReadMode),
        ]
        if let name = metadata["name"] { workflow["name"] = name }
        if let status = metadata["status"] { workflow["status"] = status }
        let triggers: [JSONValue] = (metadata["triggers"]?.arrayValue ?? []).map { trigger in
            var object = trigger["triggerableAttributes"]?.objectValue ?? [:]
            object["trigger_type"] = trigger["triggerType"] ?? .null
            object["active"] = trigger["active"] ?? true
            if let phone = trigger["phoneNumberId"] { object["phone_number_id"] = phone }
            if let event = trigger["event"] { object["event"] = event }
            return .object(object)
        }
        return Write(workflow: workflow, triggers: triggers, fileTriggers: metadata["triggers"]?.arrayValue ?? [])
    }

    /// `function_slug` → `function_id` wherever it appears in a config.
    static func functionIDs(_ value: JSONValue, lookup: [String: String], missing: (String) -> Void) -> JSONValue {
        switch value {
        case .object(var object):
            for (key, child) in object { object[key] = functionIDs(child, lookup: lookup, missing: missing) }
            if let slug = object["function_slug"]?.stringValue {
                if let id = lookup[slug] {
                    object.removeValue(forKey: "function_slug")
                    object["function_id"] = .string(id)
                } else {
                    missing(slug)
                }
            }
            return .object(object)
        case .array(let array):
            return .array(array.map { functionIDs($0, lookup: lookup, missing: missing) })
        default:
            return value
        }
    }
}

/// Validation problems that keep a workflow from being sent.
public struct ValidationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let issues: [ValidationIssue]

    public init(issues: [ValidationIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "; ") }
}
