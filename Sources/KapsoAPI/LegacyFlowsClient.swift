import CanonicalJSON
import KapsoModels
import Synchronization

/// The legacy Flows API (`https://app.kapso.ai/api/v1`) behind the engine's seam: flows read as
/// workflows, written in the legacy shape, through the same transport as the Platform client
/// (retries, rate limit, bounded concurrency, errors that name the endpoint).
///
/// The API has no `lock_version` and no ETag, so the check Kapso makes on the Platform API is made
/// here, as close to the write as a client can: `updateWorkflow` reads the flow again just before
/// its `PATCH` and refuses (409) when it moved since the version the engine based its write on, and
/// reads it back right after: a flow that does not hold what was written was written by someone else
/// in between, which is a 409 too, so the engine keeps what they wrote on a conflict branch. What no
/// client can see is a write landing between that last read and the `PATCH` (one round trip): it is
/// overwritten. The README says so.
public final class LegacyFlowsClient: KapsoBackend {
    private let http: KapsoClient
    private let book = Mutex(LegacySlugBook())
    /// A hash of each flow's content as last read, with the version it was read at: two writes within
    /// one tick of `updated_at` leave it unmoved, and the content still tells them apart.
    private let contentRead = Mutex<[String: (version: Int?, hash: UInt64)]>([:])

    public init(http: KapsoClient) {
        self.http = http
    }

    public var requestsSent: Int { http.requestsSent }
    public var maxConcurrentRequests: Int { http.configuration.concurrency }
    public var dialect: KapsoAPIDialect { .legacy }

    public func rememberSlugs(_ slugByID: [String: String], creatingByName: [String: String]) {
        book.withLock { $0.remember(slugByID, creatingByName: creatingByName) }
    }

    // MARK: Reads

    public func listWorkflows() async throws(KapsoAPIError) -> WorkflowList {
        let items = try await http.sendForArray(.listFlows)
        func age(_ index: Int) -> String { (items[index]["created_at"]?.stringValue ?? "") + "|" + (items[index]["id"]?.stringValue ?? "") }
        // Oldest first: of two flows with one name, the older keeps the plain slug whatever order the list has.
        let oldestFirst = items.indices.sorted { age($0) < age($1) }
        var translated = items
        book.withLock { book in
            for index in oldestFirst {
                guard let flow = items[index].objectValue, let id = flow["id"]?.stringValue, let name = flow["name"]?.stringValue
                else { continue }
                translated[index] = .object(LegacyFlowShape.workflow(flow, slug: book.slug(forID: id, name: name)))
            }
        }
        return WorkflowList(items: translated)
    }

    public func workflowDefinition(id: String) async throws(KapsoAPIError) -> WorkflowWithDefinition {
        let endpoint = Endpoint.flowDefinition(id)
        let (workflow, hash) = try definition(try await http.send(endpoint), endpoint: endpoint)
        contentRead.withLock { $0[id] = (workflow.workflow.lockVersion, hash) }
        return workflow
    }

    public func triggers(workflowID: String) async throws(KapsoAPIError) -> [WorkflowTrigger] {
        let endpoint = Endpoint.flowTriggers(workflowID)
        return try KapsoClient.triggers(try await http.sendForArray(endpoint).map(LegacyFlowShape.trigger), endpoint: endpoint)
    }

    /// The legacy API has no functions: an empty list, so nothing reads as deleted.
    public func listFunctions() async throws(KapsoAPIError) -> FunctionList {
        FunctionList(functions: [])
    }

    public func function(id: String) async throws(KapsoAPIError) -> KapsoFunction {
        throw Self.noFunctions
    }

    // MARK: Writes

    public func createWorkflow(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue {
        let endpoint = Endpoint.createFlow
        let answer = try await http.send(endpoint, body: ["flow": .object(LegacyFlowShape.flowWrite(fields))])
        guard let flow = answer.objectValue, let id = flow["id"]?.stringValue, let name = flow["name"]?.stringValue else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "the created flow has no id or name")
        }
        let slug = book.withLock { book in
            if let slug = fields["slug"]?.stringValue { book.record(id: id, slug: slug) }
            return book.slug(forID: id, name: name)
        }
        return .object(LegacyFlowShape.workflow(flow, slug: slug))
    }

    /// Read again, compare, `PATCH`, read back (see the type's comment). `lock_version` in `fields` is
    /// the version the engine's write is based on; without it the write is sent unchecked (the engine
    /// always sends one).
    public func updateWorkflow(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue {
        let endpoint = Endpoint.updateFlow(id)
        let (current, currentHash) = try definition(try await http.send(.flowDefinition(id)), endpoint: .flowDefinition(id))
        if let expected = fields["lock_version"]?.numberValue?.intValue {
            let known = contentRead.withLock { $0[id] }
            let moved = current.workflow.lockVersion != expected || (known?.version == expected && known?.hash != currentHash)
            if moved {
                throw .http(
                    status: 409, endpoint: endpoint.description,
                    message: "the flow changed in Kapso since it was read (updated_at now \(current.workflow.updatedAt ?? "unknown"))")
            }
        }
        if let status = fields["status"]?.stringValue, status != current.workflow.status {
            throw .http(
                status: 422, endpoint: endpoint.description,
                message: "the legacy Flows API cannot change a flow's status (\(current.workflow.status) in Kapso, \(status) in git)")
        }
        let write = LegacyFlowShape.flowWrite(fields)
        if let slug = fields["slug"]?.stringValue { book.withLock { $0.record(id: id, slug: slug) } }
        _ = try await http.send(endpoint, body: ["flow": .object(write)])
        let (readBack, readBackHash) = try definition(try await http.send(.flowDefinition(id)), endpoint: .flowDefinition(id))
        contentRead.withLock { $0[id] = (readBack.workflow.lockVersion, readBackHash) }
        if let difference = LegacyWriteCheck.difference(sent: write, readBack: readBack) {
            throw .http(
                status: 409, endpoint: endpoint.description,
                message: "written, then found changed by someone else before it could be read back: \(difference)")
        }
        return .object(readBack.workflow.raw)
    }

    public func replaceTriggers(workflowID: String, triggers: [JSONValue]) async throws(KapsoAPIError) {
        let current = try await http.sendForArray(.flowTriggers(workflowID))
        let actions: [LegacyTriggerPlan.Action]
        do {
            actions = try LegacyTriggerPlan.plan(current: current, desired: triggers)
        } catch {
            throw .http(status: 422, endpoint: Endpoint.createFlowTrigger(workflowID).description, message: error.description)
        }
        for action in actions {
            switch action {
            case .create(let trigger):
                _ = try await http.send(.createFlowTrigger(workflowID), body: ["trigger": trigger])
            case .setActive(let triggerID, let active):
                _ = try await http.send(.updateTrigger(triggerID), body: ["trigger": ["active": .bool(active)]])
            case .delete(let triggerID):
                do {
                    _ = try await http.send(.deleteTrigger(triggerID))
                } catch  where error.status == 404 {
                    // Gone already: a retry of a delete whose answer was lost.
                }
            }
        }
    }

    public func createFunction(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        throw Self.noFunctions
    }

    public func updateFunction(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        throw Self.noFunctions
    }

    public func deployFunction(id: String) async throws(KapsoAPIError) {
        throw Self.noFunctions
    }

    // MARK: Shapes

    private static let noFunctions = KapsoAPIError.http(
        status: 404, endpoint: "/functions", message: "the legacy Flows API has no functions (set kapso.api: platform)")

    /// A `GET /flows/{id}/definition` answer as the Platform's, and a hash of the content a write changes.
    private func definition(_ data: JSONValue, endpoint: Endpoint) throws(KapsoAPIError) -> (WorkflowWithDefinition, UInt64) {
        guard let flow = data.objectValue, let id = flow["id"]?.stringValue, let name = flow["name"]?.stringValue else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "the flow has no id or name")
        }
        let slug = book.withLock { $0.slug(forID: id, name: name) }
        let translated = LegacyFlowShape.workflowWithDefinition(flow, slug: slug)
        let workflow: WorkflowWithDefinition
        do {
            workflow = try WorkflowWithDefinition(.object(translated))
        } catch {
            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
        }
        let content: JSONValue = [
            "name": translated["name"] ?? .null, "description": translated["description"] ?? .null,
            "definition": translated["definition"] ?? .null,
        ]
        return (workflow, Self.fnv1a(CanonicalJSONWriter.compactBytes(content)))
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
