import CanonicalJSON
import Foundation

/// The fake's data and the API's rules over it, with no HTTP: each operation returns the status
/// and body the real API would.
struct FakeState: Sendable {
    var projectID: String
    var workflows: [String: FakeWorkflow] = [:]
    var functions: [FakeFunction] = []
    var identity: FakeIdentity
    var nextSequence = 0
    /// When false, PATCH ignores `lock_version` (Kapso before it enforced it, per its own skill notes).
    var enforceLockVersion = true

    init(seed: UInt64) {
        identity = FakeIdentity(seed: seed)
        projectID = identity.nextID()
    }

    typealias Answer = (status: Int, body: JSONValue)

    static func error(_ status: Int, _ message: String) -> Answer {
        (status, ["error": .string(message)])
    }

    // MARK: Workflows

    /// Serialized list entries by workflow id, with the metadata they were made from: the list is the
    /// one request every cycle makes, and the fake must not be what a benchmark of an idle cycle measures.
    var listEntryCache: [String: (metadata: [String: JSONValue], bytes: [UInt8])] = [:]

    /// `GET /workflows` as bytes: `{"data":[…]}`, newest first.
    /// With `pageSize`, one page of it (`page`, `per_page` in the query) and a `meta` that says how many.
    mutating func listBytes(query: [String: String], pageSize: Int? = nil) -> [UInt8] {
        var bytes = Array(#"{"data":["#.utf8)
        var listed = selected(query: query)
        var meta: [UInt8] = []
        if let pageSize {
            let perPage = query["per_page"].flatMap(Int.init) ?? pageSize
            let page = max(1, query["page"].flatMap(Int.init) ?? 1)
            let total = listed.count
            let totalPages = max(1, (total + perPage - 1) / perPage)
            listed = Array(listed.dropFirst((page - 1) * perPage).prefix(perPage))
            meta = Array(
                #","meta":{"page":\#(page),"per_page":\#(perPage),"total_count":\#(total),"total_pages":\#(totalPages)}"#.utf8)
        }
        for (position, workflow) in listed.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            let metadata = workflow.metadata(projectID: projectID)
            if let cached = listEntryCache[workflow.id], cached.metadata == metadata {
                bytes.append(contentsOf: cached.bytes)
            } else {
                let entry = CanonicalJSONWriter.compactBytes(.object(metadata))
                listEntryCache[workflow.id] = (metadata, entry)
                bytes.append(contentsOf: entry)
            }
        }
        bytes.append(UInt8(ascii: "]"))
        bytes.append(contentsOf: meta)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private func selected(query: [String: String]) -> [FakeWorkflow] {
        var selected = workflows.values.sorted { $0.sequence > $1.sequence }
        if let status = query["status"] { selected = selected.filter { $0.status == status } }
        if let fragment = query["name_contains"]?.lowercased() {
            selected = selected.filter { $0.name.lowercased().contains(fragment) }
        }
        if let after = query["created_after"] { selected = selected.filter { $0.createdAt >= after } }
        if let before = query["created_before"] { selected = selected.filter { $0.createdAt <= before } }
        return selected
    }

    func metadata(id: String) -> Answer {
        guard let workflow = workflows[id] else { return Self.error(404, "Workflow not found") }
        return (200, ["data": .object(workflow.metadata(projectID: projectID))])
    }

    func definition(id: String) -> Answer {
        guard let workflow = workflows[id] else { return Self.error(404, "Workflow not found") }
        return (200, ["data": .object(workflow.withDefinition(projectID: projectID))])
    }

    /// Serialized definitions by workflow id. Every change to a definition moves `lock_version` and
    /// `updated_at` (API writes and simulated editor edits alike), so those two identify the content.
    var definitionCache: [String: (version: String, bytes: [UInt8])] = [:]

    mutating func definitionBytes(id: String) -> [UInt8]? {
        guard let workflow = workflows[id] else { return nil }
        let version = "\(workflow.lockVersion)|\(workflow.updatedAt)"
        if let cached = definitionCache[id], cached.version == version { return cached.bytes }
        let bytes = CanonicalJSONWriter.compactBytes(["data": .object(workflow.withDefinition(projectID: projectID))])
        definitionCache[id] = (version, bytes)
        return bytes
    }

    mutating func create(body: JSONValue) -> Answer {
        guard let fields = body["workflow"]?.objectValue else { return Self.error(422, "workflow is required") }
        guard let name = fields["name"]?.stringValue, !name.isEmpty else { return Self.error(422, "Name can't be blank") }
        guard !workflows.values.contains(where: { $0.name == name }) else {
            return Self.error(422, "Name has already been taken")
        }
        let slug = fields["slug"]?.stringValue ?? Self.slugify(name)
        guard WriteShapeValidator.isSlug(slug) else { return Self.error(422, "Slug is invalid") }
        guard !workflows.values.contains(where: { $0.slug == slug }) else {
            return Self.error(422, "Slug has already been taken")
        }
        var workflow = newWorkflow(name: name, slug: slug, status: "draft")
        workflow.description = fields["description"]?.stringValue
        if let definition = fields["definition"] {
            if let problem = WriteShapeValidator.validate(definition: definition) { return Self.error(422, problem) }
            apply(definition: definition, to: &workflow)
        }
        workflows[workflow.id] = workflow
        return (201, ["data": .object(workflow.metadata(projectID: projectID))])
    }

    mutating func update(id: String, body: JSONValue) -> Answer {
        guard var workflow = workflows[id] else { return Self.error(404, "Workflow not found") }
        guard let fields = (body["workflow"] ?? body["flow"])?.objectValue else {
            return Self.error(422, "workflow is required")
        }
        if enforceLockVersion, let sent = fields["lock_version"] {
            guard let sentVersion = sent.numberValue?.intValue else { return Self.error(422, "lock_version must be an integer") }
            if sentVersion != workflow.lockVersion {
                return Self.error(
                    409, "Workflow has been modified since lock_version \(sentVersion) (now \(workflow.lockVersion)); refetch and retry")
            }
        }
        if let name = fields["name"] {
            guard let name = name.stringValue, !name.isEmpty else { return Self.error(422, "Name can't be blank") }
            if workflows.values.contains(where: { $0.name == name && $0.id != id }) {
                return Self.error(422, "Name has already been taken")
            }
            workflow.name = name
        }
        if let slug = fields["slug"] {
            guard let slug = slug.stringValue, WriteShapeValidator.isSlug(slug) else { return Self.error(422, "Slug is invalid") }
            if workflows.values.contains(where: { $0.slug == slug && $0.id != id }) {
                return Self.error(422, "Slug has already been taken")
            }
            workflow.slug = slug
        }
        if let description = fields["description"] { workflow.description = description.stringValue }
        if let status = fields["status"] {
            guard let status = status.stringValue, ["draft", "active", "archived"].contains(status) else {
                return Self.error(422, "Status is not included in the list")
            }
            workflow.status = status
        }
        if let debounce = fields["message_debounce_seconds"] {
            if debounce.isNull {
                workflow.messageDebounceSeconds = nil
            } else if let seconds = debounce.numberValue?.intValue, seconds >= 0 {
                workflow.messageDebounceSeconds = seconds
            } else {
                return Self.error(422, "message_debounce_seconds must be a non-negative integer")
            }
        }
        if let mode = fields["inbound_message_read_mode"] {
            guard let mode = mode.stringValue, ["disabled", "read_only", "read_with_typing"].contains(mode) else {
                return Self.error(422, "inbound_message_read_mode is not included in the list")
            }
            workflow.inboundMessageReadMode = mode
        }
        if let definition = fields["definition"] {
            if let problem = WriteShapeValidator.validate(definition: definition) { return Self.error(422, problem) }
            apply(definition: definition, to: &workflow)
        }
        workflow.lockVersion += 1
        workflow.updatedAt = identity.nextTimestamp()
        workflows[id] = workflow
        return (200, ["data": .object(workflow.metadata(projectID: projectID))])
    }

    // MARK: Triggers

    func triggers(workflowID: String) -> Answer {
        guard let workflow = workflows[workflowID] else { return Self.error(404, "Workflow not found") }
        return (200, ["data": .array(workflow.triggers.map { $0.json(workflowID: workflowID) })])
    }

    mutating func replaceTriggers(workflowID: String, body: JSONValue) -> Answer {
        guard var workflow = workflows[workflowID] else { return Self.error(404, "Workflow not found") }
        guard let items = body["triggers"]?.arrayValue else { return Self.error(422, "triggers must be an array") }
        var triggers: [FakeTrigger] = []
        for (index, item) in items.enumerated() {
            switch makeTrigger(item) {
            case .success(let trigger): triggers.append(trigger)
            case .failure(let problem): return Self.error(422, "triggers[\(index)]: \(problem.message)")
            }
        }
        workflow.triggers = triggers
        workflows[workflowID] = workflow
        return (200, ["data": .array(triggers.map { $0.json(workflowID: workflowID) })])
    }

    mutating func createTrigger(workflowID: String, body: JSONValue) -> Answer {
        guard var workflow = workflows[workflowID] else { return Self.error(404, "Workflow not found") }
        switch makeTrigger(body["trigger"] ?? .null) {
        case .failure(let problem): return Self.error(422, problem.message)
        case .success(let trigger):
            workflow.triggers.append(trigger)
            workflows[workflowID] = workflow
            return (201, ["data": trigger.json(workflowID: workflowID)])
        }
    }

    struct Problem: Error { let message: String }

    mutating func makeTrigger(_ value: JSONValue) -> Result<FakeTrigger, Problem> {
        guard var fields = value.objectValue else { return .failure(Problem(message: "trigger must be an object")) }
        guard let type = fields.removeValue(forKey: "trigger_type")?.stringValue else {
            return .failure(Problem(message: "trigger_type is required"))
        }
        let active = fields.removeValue(forKey: "active")?.boolValue ?? true
        switch type {
        case "inbound_message":
            guard fields["phone_number_id"]?.stringValue != nil else {
                return .failure(Problem(message: "phone_number_id is required for inbound_message"))
            }
        case "whatsapp_event":
            guard fields["event"]?.stringValue != nil else { return .failure(Problem(message: "event is required for whatsapp_event")) }
        case "project_event":
            guard fields["event_name"]?.stringValue != nil else {
                return .failure(Problem(message: "event_name is required for project_event"))
            }
        case "api_call":
            fields = [:]
        default:
            return .failure(Problem(message: "trigger_type \(type) is not included in the list"))
        }
        return .success(
            FakeTrigger(
                id: identity.nextID(), triggerType: type, active: active, triggerable: fields,
                createdAt: identity.nextTimestamp()))
    }

    // MARK: Helpers

    mutating func newWorkflow(name: String, slug: String, status: String) -> FakeWorkflow {
        nextSequence += 1
        let now = identity.nextTimestamp()
        return FakeWorkflow(
            id: identity.nextID(), name: name, slug: slug, description: nil, status: status, lockVersion: 0,
            messageDebounceSeconds: 1, inboundMessageReadMode: "read_with_typing", createdAt: now, updatedAt: now,
            sequence: nextSequence, nodes: [], edges: [], triggers: [])
    }

    /// Replace-set semantics per collection; the server keeps its own edge ids, condition ids and
    /// display names, and ignores the ones sent (Kapso's documented write behaviour).
    mutating func apply(definition: JSONValue, to workflow: inout FakeWorkflow) {
        if let nodes = definition["nodes"]?.arrayValue {
            let previous = Dictionary(
                workflow.nodes.compactMap { node in node["id"]?.stringValue.map { ($0, node) } }, uniquingKeysWith: { a, _ in a })
            workflow.nodes = nodes.map { storedNode($0, previous: previous[$0["id"]?.stringValue ?? ""]) }
        }
        if let edges = definition["edges"]?.arrayValue {
            let previous = workflow.edges
            workflow.edges = edges.map { edge in
                let source = edge["source"]?.stringValue ?? ""
                let target = edge["target"]?.stringValue ?? ""
                let label = edge["label"]?.stringValue ?? "next"
                let existingID = previous.first {
                    $0["source"]?.stringValue == source && $0["target"]?.stringValue == target && $0["label"]?.stringValue == label
                }?["id"]
                return [
                    "id": existingID ?? .string(identity.nextID()), "source": .string(source), "target": .string(target),
                    "label": .string(label), "type": "default",
                    "flow_condition_id": conditionID(source: source, label: label, nodes: workflow.nodes),
                ]
            }
        }
    }

    private mutating func storedNode(_ node: JSONValue, previous: JSONValue?) -> JSONValue {
        guard var object = node.objectValue, var data = object["data"]?.objectValue else { return node }
        let nodeType = data["node_type"]?.stringValue ?? "start"
        object["type"] = "flow-node"
        data["display_name"] = previous?["data"]?["display_name"] ?? .string(Self.defaultDisplayName(nodeType))
        if nodeType == "decide", var config = data["config"]?.objectValue, config["decision_type"]?.stringValue == "ai",
            let conditions = config["conditions"]?.arrayValue
        {
            config["conditions"] = .array(
                conditions.map { condition in
                    guard var fields = condition.objectValue else { return condition }
                    if fields["id"] == nil { fields["id"] = .string(identity.nextID()) }
                    return .object(fields)
                })
            data["config"] = .object(config)
        }
        object["data"] = .object(data)
        return .object(object)
    }

    func conditionID(source: String, label: String, nodes: [JSONValue]) -> JSONValue {
        guard let node = nodes.first(where: { $0["id"]?.stringValue == source }),
            node["data"]?["node_type"]?.stringValue == "decide",
            let conditions = node["data"]?["config"]?["conditions"]?.arrayValue,
            let condition = conditions.first(where: { $0["label"]?.stringValue == label }),
            let id = condition["id"]
        else { return .null }
        return id
    }

    static func defaultDisplayName(_ nodeType: String) -> String {
        nodeType.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    static func slugify(_ name: String) -> String {
        var slug = ""
        for scalar in name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "workflow" : slug
    }
}
