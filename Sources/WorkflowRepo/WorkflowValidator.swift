import CanonicalJSON
import KapsoModels

/// One problem in a workflow's files, printed as `file: rule: detail` (one line, for CI logs).
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let rule: String
    public let detail: String

    public init(file: String, rule: String, detail: String) {
        self.file = file
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(file): \(rule): \(detail)" }
}

/// The checks a workflow must pass before it is sent to Kapso: Kapso's write schema (node ids, node
/// types, positions, edge fields), the graph rules of Kapso's own validator, metadata values, sizes.
/// Pure: the same checks serve the sync cycle and `kapso-gitsync validate` in a pull request's CI.
public enum WorkflowValidator {
    public static let statuses: Set<String> = ["draft", "active", "archived"]
    public static let readModes: Set<String> = ["disabled", "read_only", "read_with_typing"]
    public static let maximumNodes = 500
    public static let maximumFileBytes = 2 * 1024 * 1024

    /// `dialect`: the API the workflow is written to (its node and trigger types, its settings).
    public static func validate(_ workflow: LocalWorkflow, dialect: KapsoAPIDialect = .platform) -> [ValidationIssue] {
        var issues = definitionIssues(workflow, dialect: dialect)
        issues.append(contentsOf: metadataIssues(workflow, dialect: dialect))
        return issues
    }

    static func definitionIssues(_ workflow: LocalWorkflow, dialect: KapsoAPIDialect) -> [ValidationIssue] {
        let file = RepositoryLayout.definitionPath(workflow.slug)
        var issues: [ValidationIssue] = []
        func add(_ rule: String, _ detail: String) { issues.append(ValidationIssue(file: file, rule: rule, detail: detail)) }
        if workflow.files.definitionJSON.count > maximumFileBytes { add("size", "larger than \(maximumFileBytes) bytes") }
        guard let nodes = workflow.definition["nodes"]?.arrayValue else {
            add("schema", "nodes must be an array")
            return issues
        }
        guard let edges = workflow.definition["edges"]?.arrayValue else {
            add("schema", "edges must be an array")
            return issues
        }
        if nodes.count > maximumNodes { add("size", "\(nodes.count) nodes, at most \(maximumNodes)") }
        var types: [String: String] = [:]
        var conditionLabels: [String: Set<String>] = [:]
        for (index, node) in nodes.enumerated() {
            guard let id = node["id"]?.stringValue else {
                add("schema", "nodes[\(index)] has no string id")
                continue
            }
            if !isNodeID(id) { add("schema", "node id \(LayoutError.quoted(id)) must match ^[A-Za-z][A-Za-z0-9_-]*$") }
            guard types[id] == nil else {
                add("unique-node-ids", "node id \(id) is used twice")
                continue
            }
            guard let data = node["data"]?.objectValue, let type = data["node_type"]?.stringValue else {
                add("schema", "node \(id) has no data.node_type")
                continue
            }
            types[id] = type
            if !dialect.nodeTypes.contains(type) {
                add(
                    "schema",
                    "node \(id) has unknown node_type \(LayoutError.quoted(type))" + (dialect == .platform ? "" : " for the \(dialect) API")
                )
            }
            if data["config"]?.objectValue == nil { add("schema", "node \(id) has no data.config object") }
            if let position = node["position"], position["x"]?.numberValue == nil || position["y"]?.numberValue == nil {
                add("schema", "node \(id) position must have numbers x and y")
            } else if node["position"] == nil {
                add("schema", "node \(id) has no position")
            }
            if type == "decide" {
                let labels = data["config"]?["conditions"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
                conditionLabels[id] = Set(labels)
            }
        }
        let starts = types.filter { $0.value == "start" }.keys.sorted()
        if starts.count != 1 {
            add("one-start-node", "found \(starts.count) start nodes" + (starts.isEmpty ? "" : " (\(starts.joined(separator: ", ")))"))
        } else if starts != ["start"] {
            add("one-start-node", "the start node's id must be start, not \(starts[0])")
        }
        var nextEdges: [String: Int] = [:]
        for (index, edge) in edges.enumerated() {
            guard let source = edge["source"]?.stringValue, let target = edge["target"]?.stringValue else {
                add("schema", "edges[\(index)] needs string source and target")
                continue
            }
            let label = edge["label"]?.stringValue ?? "next"
            if types[source] == nil { add("edges-reference-nodes", "edge \(source) → \(target): no node \(source)") }
            if types[target] == nil { add("edges-reference-nodes", "edge \(source) → \(target): no node \(target)") }
            if let labels = conditionLabels[source] {
                if !labels.contains(label) {
                    add(
                        "decide-edge-labels",
                        "edge \(source) → \(target): label \(LayoutError.quoted(label)) matches no condition of \(source)")
                }
            } else if types[source] != nil {
                nextEdges[source, default: 0] += 1
                if label != "next" {
                    add("edge-labels", "edge \(source) → \(target): a \(types[source]!) node's edge must be labelled next")
                }
            }
        }
        for (source, count) in nextEdges.sorted(by: { $0.key < $1.key }) where count > 1 {
            add("one-next-edge", "node \(source) has \(count) outgoing edges; only a decide node may branch")
        }
        return issues
    }

    static func metadataIssues(_ workflow: LocalWorkflow, dialect: KapsoAPIDialect) -> [ValidationIssue] {
        let triggerTypes = dialect.triggerTypes
        let file = RepositoryLayout.workflowYAMLPath(workflow.slug)
        var issues: [ValidationIssue] = []
        func add(_ rule: String, _ detail: String) { issues.append(ValidationIssue(file: file, rule: rule, detail: detail)) }
        let metadata = workflow.metadata
        if (metadata["name"]?.stringValue ?? "").isEmpty { add("schema", "name is required") }
        if let status = metadata["status"], !statuses.contains(status.stringValue ?? "") {
            add("schema", "status must be one of draft, active, archived")
        }
        if let mode = metadata["inbound_message_read_mode"], !readModes.contains(mode.stringValue ?? "") {
            add("schema", "inbound_message_read_mode must be one of disabled, read_only, read_with_typing")
        }
        if let debounce = metadata["message_debounce_seconds"], !(debounce.numberValue?.intValue.map { $0 >= 0 } ?? false) {
            add("schema", "message_debounce_seconds must be a whole number of seconds")
        }
        if let description = metadata["description"], description.stringValue == nil, !description.isNull {
            add("schema", "description must be text")
        }
        for key in ["message_debounce_seconds", "inbound_message_read_mode"] where metadata[key] != nil && !dialect.settings.contains(key) {
            add("schema", "\(key): the \(dialect) API has no such setting")
        }
        guard let triggers = metadata["triggers"] else { return issues }
        guard let list = triggers.arrayValue else {
            add("schema", "triggers must be a list")
            return issues
        }
        for (index, trigger) in list.enumerated() {
            guard let type = trigger["triggerType"]?.stringValue, triggerTypes.contains(type) else {
                add("schema", "triggers[\(index)].triggerType must be one of \(triggerTypes.sorted().joined(separator: ", "))")
                continue
            }
            if let active = trigger["active"], active.boolValue == nil { add("schema", "triggers[\(index)].active must be true or false") }
            switch type {
            case "inbound_message" where !dialect.inboundTriggersNamePhoneNumbers:
                if trigger["triggerableAttributes"]?["whatsapp_config_id"]?.stringValue == nil {
                    add("schema", "triggers[\(index)]: inbound_message needs triggerableAttributes.whatsapp_config_id (\(dialect) API)")
                }
            case "inbound_message" where trigger["phoneNumberId"]?.stringValue == nil:
                add("schema", "triggers[\(index)]: inbound_message needs a quoted phoneNumberId")
            case "whatsapp_event" where trigger["event"]?.stringValue == nil:
                add("schema", "triggers[\(index)]: whatsapp_event needs event")
            case "project_event" where trigger["triggerableAttributes"]?["event_name"]?.stringValue == nil:
                add("schema", "triggers[\(index)]: project_event needs triggerableAttributes.event_name")
            default: break
            }
        }
        return issues
    }

    static func isNodeID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return id.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }
}
