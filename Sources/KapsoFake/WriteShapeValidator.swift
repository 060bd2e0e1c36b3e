import CanonicalJSON

/// The write shape of `WorkflowDefinitionInput` from Kapso's OpenAPI file (additionalProperties
/// false at each level): what the fake answers 422 to, with a message naming the offending field.
enum WriteShapeValidator {
    static let nodeTypes: Set<String> = [
        "start", "send_text", "send_template", "send_interactive", "wait_for_response", "decide", "function",
        "webhook", "agent", "call", "handoff", "set_variable", "emit_event",
    ]

    /// The legacy Flows API's write enum (its OpenAPI file): no call, handoff or emit_event; pipedream.
    static let legacyNodeTypes: Set<String> = [
        "start", "send_text", "send_template", "set_variable", "webhook", "wait_for_response", "decide", "send_interactive",
        "pipedream", "function", "agent",
    ]

    static func validate(definition: JSONValue, nodeTypes: Set<String> = nodeTypes) -> String? {
        guard let object = definition.objectValue else { return "definition must be an object" }
        if let extra = object.keys.first(where: { $0 != "nodes" && $0 != "edges" }) {
            return "definition has unknown property \(extra)"
        }
        var nodeIDs = Set<String>()
        if let nodes = object["nodes"] {
            guard let array = nodes.arrayValue else { return "definition.nodes must be an array" }
            for (index, node) in array.enumerated() {
                if let problem = validate(node: node, at: "definition.nodes[\(index)]", nodeTypes: nodeTypes) { return problem }
                let id = node["id"]!.stringValue!
                guard nodeIDs.insert(id).inserted else { return "definition.nodes[\(index)].id \(id) is not unique" }
            }
        }
        if let edges = object["edges"] {
            guard let array = edges.arrayValue else { return "definition.edges must be an array" }
            for (index, edge) in array.enumerated() {
                if let problem = validate(edge: edge, at: "definition.edges[\(index)]") { return problem }
            }
        }
        return nil
    }

    private static func validate(node: JSONValue, at path: String, nodeTypes: Set<String>) -> String? {
        guard let object = node.objectValue else { return "\(path) must be an object" }
        if let extra = object.keys.first(where: { !["id", "type", "position", "data"].contains($0) }) {
            return "\(path) has unknown property \(extra)"
        }
        guard let id = object["id"]?.stringValue else { return "\(path).id is required" }
        guard isNodeID(id) else { return "\(path).id \(id) does not match ^[A-Za-z][A-Za-z0-9_-]*$" }
        if let type = object["type"], type.stringValue == nil { return "\(path).type must be a string" }
        guard let position = object["position"]?.objectValue else { return "\(path).position is required" }
        guard position["x"]?.numberValue != nil, position["y"]?.numberValue != nil, position.count == 2 else {
            return "\(path).position must be {x, y} numbers"
        }
        guard let data = object["data"]?.objectValue else { return "\(path).data is required" }
        if let extra = data.keys.first(where: { !["node_type", "config", "display_name"].contains($0) }) {
            return "\(path).data has unknown property \(extra)"
        }
        guard let nodeType = data["node_type"]?.stringValue, nodeTypes.contains(nodeType) else {
            return "\(path).data.node_type must be one of \(nodeTypes.sorted().joined(separator: ", "))"
        }
        guard data["config"]?.objectValue != nil else { return "\(path).data.config must be an object" }
        if let displayName = data["display_name"], displayName.stringValue == nil {
            return "\(path).data.display_name must be a string"
        }
        return nil
    }

    private static func validate(edge: JSONValue, at path: String) -> String? {
        guard let object = edge.objectValue else { return "\(path) must be an object" }
        if let extra = object.keys.first(where: { !["id", "source", "target", "label", "type", "flow_condition_id"].contains($0) }) {
            return "\(path) has unknown property \(extra)"
        }
        guard object["source"]?.stringValue != nil else { return "\(path).source is required" }
        guard object["target"]?.stringValue != nil else { return "\(path).target is required" }
        if let label = object["label"], label.stringValue == nil { return "\(path).label must be a string" }
        return nil
    }

    static func isNodeID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return id.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }

    static func isSlug(_ slug: String) -> Bool {
        !slug.isEmpty && !slug.hasPrefix("-") && !slug.hasSuffix("-") && !slug.contains("--")
            && slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
