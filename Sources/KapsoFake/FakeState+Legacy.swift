import CanonicalJSON

/// The legacy Flows API (`/api/v1/flows`) over the same workflows as the Platform side, with the same
/// ids: a flow is a workflow seen without its slug, `lock_version` or Platform settings. Reads name
/// node fields in camelCase (`nodeType`, `displayName`); writes take `node_type`, wrapped in
/// `{"flow": …}`; a `PATCH` checks nothing (the API has no `lock_version`) and moves `updated_at`.
/// Triggers are the workflow's `inbound_message` and `api_call` triggers, one resource each. Errors
/// have the legacy shape `{error, status, message}`.
extension FakeState {
    static func legacyError(_ status: Int, _ message: String) -> Answer {
        (status, ["error": .string(message), "status": .number(JSONNumber(status)), "message": .string(message)])
    }

    func legacyFlow(_ workflow: FakeWorkflow) -> [String: JSONValue] {
        [
            "id": .string(workflow.id), "name": .string(workflow.name),
            "description": workflow.description.map { .string($0) } ?? .null, "status": .string(workflow.status),
            "project_id": .string(projectID), "created_at": .string(workflow.createdAt), "updated_at": .string(workflow.updatedAt),
            "created_by": .null, "last_executed_at": .null, "execution_count": 0,
        ]
    }

    func legacyList(query: [String: String]) -> Answer {
        var flows = workflows.values.sorted { $0.sequence > $1.sequence }
        if let status = query["q[status_eq]"] { flows = flows.filter { $0.status == status } }
        return (200, ["data": .array(flows.map { .object(legacyFlow($0)) })])
    }

    func legacyFlowAnswer(id: String) -> Answer {
        guard let workflow = workflows[id] else { return Self.legacyError(404, "Flow not found") }
        return (200, ["data": .object(legacyFlow(workflow))])
    }

    func legacyDefinition(id: String) -> Answer {
        guard let workflow = workflows[id] else { return Self.legacyError(404, "Flow not found") }
        var flow = legacyFlow(workflow)
        let nodes: [JSONValue] = workflow.nodes.map { node in
            guard var object = node.objectValue, var data = object["data"]?.objectValue else { return node }
            if let type = data.removeValue(forKey: "node_type") { data["nodeType"] = type }
            if let name = data.removeValue(forKey: "display_name") { data["displayName"] = name }
            object["data"] = .object(data)
            return .object(object)
        }
        flow["definition"] = ["nodes": .array(nodes), "edges": .array(workflow.edges)]
        flow["whatsapp_configs"] = [["id": .string(projectID), "name": "Main WhatsApp Config", "phone_number": "+15550000000"]]
        return (200, ["data": .object(flow)])
    }

    mutating func legacyCreate(body: JSONValue) -> Answer {
        guard let fields = body["flow"]?.objectValue else { return Self.legacyError(422, "param is missing or the value is empty: flow") }
        if let problem = legacyUnpermitted(fields) { return problem }
        guard let name = fields["name"]?.stringValue, !name.isEmpty else { return Self.legacyError(422, "Name can't be blank") }
        guard !workflows.values.contains(where: { $0.name == name }) else { return Self.legacyError(422, "Name has already been taken") }
        let stem = Self.slugify(name)
        var slug = stem
        var number = 1
        while workflows.values.contains(where: { $0.slug == slug }) {
            number += 1
            slug = "\(stem)-\(number)"
        }
        var workflow = newWorkflow(name: name, slug: slug, status: "draft")
        workflow.description = fields["description"]?.stringValue
        if let definition = fields["definition"] {
            if let problem = WriteShapeValidator.validate(definition: definition, nodeTypes: WriteShapeValidator.legacyNodeTypes) {
                return Self.legacyError(422, problem)
            }
            apply(definition: definition, to: &workflow)
        }
        workflows[workflow.id] = workflow
        return (201, ["data": .object(legacyFlow(workflow))])
    }

    mutating func legacyUpdate(id: String, body: JSONValue) -> Answer {
        guard var workflow = workflows[id] else { return Self.legacyError(404, "Flow not found") }
        guard let fields = body["flow"]?.objectValue else { return Self.legacyError(422, "param is missing or the value is empty: flow") }
        if let problem = legacyUnpermitted(fields) { return problem }
        if let name = fields["name"] {
            guard let name = name.stringValue, !name.isEmpty else { return Self.legacyError(422, "Name can't be blank") }
            if workflows.values.contains(where: { $0.name == name && $0.id != id }) {
                return Self.legacyError(422, "Name has already been taken")
            }
            workflow.name = name
        }
        if let description = fields["description"] { workflow.description = description.stringValue }
        if let definition = fields["definition"] {
            if let problem = WriteShapeValidator.validate(definition: definition, nodeTypes: WriteShapeValidator.legacyNodeTypes) {
                return Self.legacyError(422, problem)
            }
            apply(definition: definition, to: &workflow)
        }
        workflow.lockVersion += 1
        workflow.updatedAt = identity.nextTimestamp()
        workflows[id] = workflow
        return (200, ["data": .object(legacyFlow(workflow))])
    }

    /// The documented write takes name, description and definition; anything else is a client's mistake
    /// the fake reports (the real server may drop it silently, which would lose it without a word).
    private func legacyUnpermitted(_ fields: [String: JSONValue]) -> Answer? {
        guard let extra = fields.keys.sorted().first(where: { !["name", "description", "definition"].contains($0) }) else { return nil }
        return Self.legacyError(422, "found unpermitted parameter: \(extra)")
    }

    // MARK: Triggers

    static let legacyTriggerTypes: Set<String> = ["inbound_message", "api_call"]

    /// In the fake a WhatsApp config and its phone number share an id, so a trigger made on either side
    /// is seen on the other.
    func legacyTrigger(_ trigger: FakeTrigger, flowID: String) -> JSONValue {
        var triggerable: [String: JSONValue] = ["id": .string("triggerable-" + trigger.id)]
        if trigger.triggerType == "inbound_message" {
            triggerable["whatsapp_config_id"] = trigger.triggerable["whatsapp_config_id"] ?? trigger.triggerable["phone_number_id"] ?? .null
        }
        return [
            "id": .string(trigger.id), "flow_id": .string(flowID), "trigger_type": .string(trigger.triggerType),
            "active": .bool(trigger.active),
            "display_name": .string(trigger.triggerType == "api_call" ? "API Call Trigger" : "WhatsApp message"),
            "triggerable": .object(triggerable), "created_at": .string(trigger.createdAt), "updated_at": .string(trigger.createdAt),
        ]
    }

    func legacyTriggers(flowID: String) -> Answer {
        guard let workflow = workflows[flowID] else { return Self.legacyError(404, "Flow not found") }
        let visible = workflow.triggers.filter { Self.legacyTriggerTypes.contains($0.triggerType) }
        return (200, ["data": .array(visible.map { legacyTrigger($0, flowID: flowID) })])
    }

    mutating func legacyCreateTrigger(flowID: String, body: JSONValue) -> Answer {
        guard var workflow = workflows[flowID] else { return Self.legacyError(404, "Flow not found") }
        guard let fields = body["trigger"]?.objectValue else {
            return Self.legacyError(422, "param is missing or the value is empty: trigger")
        }
        guard let type = fields["trigger_type"]?.stringValue, Self.legacyTriggerTypes.contains(type) else {
            return Self.legacyError(422, "Trigger type is not included in the list")
        }
        var triggerable: [String: JSONValue] = [:]
        if type == "inbound_message" {
            guard let config = fields["whatsapp_config_id"]?.stringValue else {
                return Self.legacyError(422, "whatsapp_config_id is required for inbound_message triggers")
            }
            triggerable["whatsapp_config_id"] = .string(config)
        }
        let trigger = FakeTrigger(
            id: identity.nextID(), triggerType: type, active: fields["active"]?.boolValue ?? true, triggerable: triggerable,
            createdAt: identity.nextTimestamp())
        workflow.triggers.append(trigger)
        workflows[flowID] = workflow
        return (201, ["data": legacyTrigger(trigger, flowID: flowID)])
    }

    mutating func legacyUpdateTrigger(id: String, body: JSONValue) -> Answer {
        guard let (flowID, index) = legacyTriggerPosition(id), var workflow = workflows[flowID] else {
            return Self.legacyError(404, "Trigger not found")
        }
        guard let active = body["trigger"]?["active"]?.boolValue else { return Self.legacyError(422, "active must be true or false") }
        workflow.triggers[index].active = active
        workflows[flowID] = workflow
        return (200, ["data": legacyTrigger(workflow.triggers[index], flowID: flowID)])
    }

    mutating func legacyDeleteTrigger(id: String) -> Answer {
        guard let (flowID, index) = legacyTriggerPosition(id), var workflow = workflows[flowID] else {
            return Self.legacyError(404, "Trigger not found")
        }
        workflow.triggers.remove(at: index)
        workflows[flowID] = workflow
        return (204, .null)
    }

    private func legacyTriggerPosition(_ id: String) -> (String, Int)? {
        for (flowID, workflow) in workflows {
            if let index = workflow.triggers.firstIndex(where: { $0.id == id }) { return (flowID, index) }
        }
        return nil
    }
}
