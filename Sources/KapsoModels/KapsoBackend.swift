import CanonicalJSON

/// What the sync engine needs from Kapso, whichever API answers: reads and writes of workflows and
/// functions, in the engine's own model. The engine never names a client or an endpoint, so a second API (the legacy
/// Flows API) is a second conformance, not a change to the engine.
///
/// Errors are `KapsoAPIError`: the engine's decisions read only its `status` (409: changed since read,
/// 422: refused as invalid, 404: gone) and its description (the endpoint and what failed).
public protocol KapsoBackend: Sendable {
    /// Requests sent so far, retries included (a cycle reports the difference).
    var requestsSent: Int { get }
    /// How many requests may be in flight at once; the engine sizes its fetch window from it.
    var maxConcurrentRequests: Int { get }
    /// What this API holds (node types, functions, slugs); `.platform` unless the backend says otherwise.
    var dialect: KapsoAPIDialect { get }

    /// The folder the repository uses for each workflow it knows, by id, told before each cycle's list,
    /// and the folder of each creation not yet recorded, by the name it was created with. An API without
    /// slugs answers these as the workflows' slugs, so that a rename in Kapso does not move a folder and
    /// a flow whose creation answer was lost comes back in its folder; an API with slugs ignores them.
    func rememberSlugs(_ slugByID: [String: String], creatingByName: [String: String])

    func listWorkflows() async throws(KapsoAPIError) -> WorkflowList
    /// The list's (first) answer as received, not parsed, so that a cycle can tell from its bytes that
    /// nothing changed since the last one (`IdleRecord`); nil from a backend that cannot give it.
    func workflowListAnswer() async throws(KapsoAPIError) -> [UInt8]?
    /// The list in an answer `workflowListAnswer` gave, with the pages after it when it says there are
    /// more; an answer that does not read (cut off) is asked for again.
    func listWorkflows(answer: [UInt8]) async throws(KapsoAPIError) -> WorkflowList
    func workflowDefinition(id: String) async throws(KapsoAPIError) -> WorkflowWithDefinition
    func triggers(workflowID: String) async throws(KapsoAPIError) -> [WorkflowTrigger]
    func listFunctions() async throws(KapsoAPIError) -> FunctionList
    /// As `workflowListAnswer` and `listWorkflows(answer:)`, for `GET /functions`.
    func functionListAnswer() async throws(KapsoAPIError) -> [UInt8]?
    func listFunctions(answer: [UInt8]) async throws(KapsoAPIError) -> FunctionList
    /// One function with its code.
    func function(id: String) async throws(KapsoAPIError) -> KapsoFunction

    /// Creates a workflow from its fields (`slug`, `name`, `description`, `definition`); answers the
    /// created workflow.
    func createWorkflow(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue
    /// Updates a workflow's fields; `lock_version`, when present, makes Kapso refuse (409) a workflow that
    /// changed since. Answers the updated workflow.
    func updateWorkflow(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue
    /// Replaces the workflow's triggers with these (in the API's write shape).
    func replaceTriggers(workflowID: String, triggers: [JSONValue]) async throws(KapsoAPIError)

    /// Creates a function (in draft) from its fields (`name`, `slug`, `code`, `function_type`…).
    func createFunction(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction
    /// Updates a function's fields; with `lock_version`, Kapso refuses (409) a function that changed since.
    func updateFunction(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction
    /// Starts deploying the function's saved code (Kapso answers 202 and deploys in the background).
    func deployFunction(id: String) async throws(KapsoAPIError)
}

extension KapsoBackend {
    public var dialect: KapsoAPIDialect { .platform }
    public func rememberSlugs(_ slugByID: [String: String], creatingByName: [String: String]) {}
    public func workflowListAnswer() async throws(KapsoAPIError) -> [UInt8]? { nil }
    public func listWorkflows(answer: [UInt8]) async throws(KapsoAPIError) -> WorkflowList { try await listWorkflows() }
    public func functionListAnswer() async throws(KapsoAPIError) -> [UInt8]? { nil }
    public func listFunctions(answer: [UInt8]) async throws(KapsoAPIError) -> FunctionList { try await listFunctions() }
}
