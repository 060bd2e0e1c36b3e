import CanonicalJSON

/// A workflow's metadata as `GET /workflows` and `GET /workflows/{id}` return it.
/// `raw` keeps every field the server sent, known or not.
public struct WorkflowSummary: Sendable, Equatable {
    public let id: String
    public let name: String
    public let slug: String
    public let status: String
    public let lockVersion: Int?
    public let updatedAt: String?
    public let raw: [String: JSONValue]

    public init(_ value: JSONValue) throws(ModelError) {
        guard let object = value.objectValue else { throw ModelError("workflow is \(value.kindName), expected object") }
        try self.init(object: object)
    }

    init(object: [String: JSONValue]) throws(ModelError) {
        let id = try object.requiredString("id", in: "workflow")
        self.id = id
        name = try object.requiredString("name", in: "workflow \(id)")
        slug = try object.requiredString("slug", in: "workflow \(id)")
        status = try object.requiredString("status", in: "workflow \(id)")
        lockVersion = try object.optionalInt("lock_version", in: "workflow \(id)")
        updatedAt = try object.optionalString("updated_at", in: "workflow \(id)")
        raw = object
    }

    public var description: String? { raw["description"]?.stringValue }
    public var projectID: String? { raw["project_id"]?.stringValue }
}

/// The answer of `GET /workflows`: the workflows that could be read, and a note for each that could not,
/// so that one broken entry does not stop the others from syncing.
public struct WorkflowList: Sendable {
    public let workflows: [WorkflowSummary]
    public let invalid: [InvalidEntry]

    public struct InvalidEntry: Sendable, Equatable {
        /// The id, name or position that identifies the entry for a person.
        public let reference: String
        public let reason: String
    }

    public init(items: [JSONValue]) {
        var workflows: [WorkflowSummary] = []
        var invalid: [InvalidEntry] = []
        for (index, item) in items.enumerated() {
            do {
                workflows.append(try WorkflowSummary(item))
            } catch {
                let reference =
                    item["name"]?.stringValue.map { "\"\($0)\"" } ?? item["id"]?.stringValue ?? "entry \(index)"
                invalid.append(InvalidEntry(reference: reference, reason: error.detail))
            }
        }
        self.workflows = workflows
        self.invalid = invalid
    }
}

/// `GET /workflows/{id}/definition`: metadata plus the graph in the server's read shape.
public struct WorkflowWithDefinition: Sendable {
    /// The metadata only: the graph is held apart, so a summary kept after export does not keep it alive.
    public let workflow: WorkflowSummary
    /// The whole `definition` object, with any member besides `nodes` and `edges` the server sent.
    public let definition: [String: JSONValue]
    public let nodes: [JSONValue]
    public let edges: [JSONValue]

    public init(_ value: JSONValue) throws(ModelError) {
        guard var object = value.objectValue else { throw ModelError("workflow is \(value.kindName), expected object") }
        let definitionValue = object.removeValue(forKey: "definition")
        workflow = try WorkflowSummary(object: object)
        let context = "workflow \(workflow.id)"
        guard let definition = definitionValue?.objectValue else {
            throw ModelError("\(context): missing definition object")
        }
        self.definition = definition
        guard let nodes = definition["nodes"]?.arrayValue else { throw ModelError("\(context): definition.nodes is not an array") }
        guard let edges = definition["edges"]?.arrayValue else { throw ModelError("\(context): definition.edges is not an array") }
        for (index, node) in nodes.enumerated() {
            guard let object = node.objectValue, object["id"]?.stringValue != nil else {
                throw ModelError("\(context): definition.nodes[\(index)] has no string id")
            }
            guard object["data"]?.objectValue != nil else {
                throw ModelError("\(context): node \(object["id"]!.stringValue!) has no data object")
            }
        }
        for (index, edge) in edges.enumerated() {
            guard let object = edge.objectValue, object["source"]?.stringValue != nil, object["target"]?.stringValue != nil
            else { throw ModelError("\(context): definition.edges[\(index)] has no source or target") }
        }
        self.nodes = nodes
        self.edges = edges
    }
}

/// A workflow trigger as `GET /workflows/{id}/triggers` returns it.
public struct WorkflowTrigger: Sendable, Equatable {
    public let id: String?
    public let triggerType: String
    public let active: Bool
    /// The type-specific settings (`phone_number_id`, `event`, `event_name`…), kept whole.
    public let triggerable: [String: JSONValue]

    public init(_ value: JSONValue, index: Int) throws(ModelError) {
        guard let object = value.objectValue else { throw ModelError("trigger \(index) is \(value.kindName), expected object") }
        let context = "trigger \(index)"
        id = try object.optionalString("id", in: context)
        triggerType = try object.requiredString("trigger_type", in: context)
        guard let active = object["active"]?.boolValue else { throw ModelError("\(context): active is not a boolean") }
        self.active = active
        switch object["triggerable"] {
        case .none, .null?: triggerable = [:]
        case .object(let settings)?: triggerable = settings
        case let other?: throw ModelError("\(context): triggerable is \(other.kindName), expected object")
        }
    }
}
