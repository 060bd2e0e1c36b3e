import CanonicalJSON
import FlyingFox
import FlyingSocks
import Foundation

/// A faithful fake of Kapso's workflows API (`/platform/v1`) on 127.0.0.1, for tests and the demo:
/// list, definition (read shape), metadata, PATCH with `lock_version` (409 when stale), POST,
/// triggers, functions, `X-API-Key` (401), a rate limit with 429 and `Retry-After`, and faults.
/// The legacy Flows API (`/api/v1/flows`) is served from the same workflows (`FakeState+Legacy`).
public actor KapsoFake {
    public struct Options: Sendable {
        public var apiKey: String
        /// 0 turns the server-side rate limit off.
        public var requestsPerMinute: Int
        public var retryAfterSeconds: Int
        public var rateWindow: Duration
        public var seed: UInt64
        public var enforceLockVersion: Bool
        /// Pages the list with this many workflows a page and a `meta` (the documented list has no pages).
        public var listPageSize: Int?
        /// As the CDN in front of the real API does to clients it cannot tell: a request without a
        /// User-Agent gets 403 with the text `error code: 1010`, before the API sees it.
        public var blockClientsWithoutUserAgent: Bool
        /// Answers to function writes carry no more than the schema requires: create and update leave the
        /// code out, and a deployment's 202 has no body (what a client may not assume is there).
        public var terseFunctionWrites = false

        public init(
            apiKey: String, requestsPerMinute: Int = 0, retryAfterSeconds: Int = 60, rateWindow: Duration = .seconds(60),
            seed: UInt64 = 1, enforceLockVersion: Bool = true, listPageSize: Int? = nil, blockClientsWithoutUserAgent: Bool = false
        ) {
            self.listPageSize = listPageSize
            self.blockClientsWithoutUserAgent = blockClientsWithoutUserAgent
            self.apiKey = apiKey
            self.requestsPerMinute = requestsPerMinute
            self.retryAfterSeconds = retryAfterSeconds
            self.rateWindow = rateWindow
            self.seed = seed
            self.enforceLockVersion = enforceLockVersion
        }
    }

    public static let basePath = "/platform/v1"
    /// The legacy Flows API, served from the same workflows (see `FakeState+Legacy`).
    public static let legacyBasePath = "/api/v1"

    private let options: Options
    private var state: FakeState
    private var faults: [FakeFaultRule] = []
    /// Every User-Agent the fake was sent (empty: none).
    public private(set) var userAgents: Set<String> = []
    private var interleavings: [(method: String, path: String?, run: @Sendable (isolated KapsoFake) -> Void)] = []
    private var log: [FakeRequestRecord] = []
    private var recentRequests: [ContinuousClock.Instant] = []
    private var server: HTTPServer?
    private var serverTask: Task<Void, any Error>?
    public private(set) var baseURL: URL?
    /// The legacy Flows API's base URL on the same server, once started.
    public var legacyBaseURL: URL? {
        baseURL.flatMap { URL(string: $0.absoluteString.replacingOccurrences(of: Self.basePath, with: Self.legacyBasePath)) }
    }

    public init(options: Options) {
        self.options = options
        state = FakeState(seed: options.seed)
        state.enforceLockVersion = options.enforceLockVersion
    }

    // MARK: Seeding

    /// Loads workflow folders in the Kapso CLI layout; returns how many workflows the fake now holds.
    @discardableResult
    public func seed(fromDirectory directory: String) throws -> Int {
        try FakeSeeder.seed(&state, fromDirectory: directory)
        return state.workflows.count
    }

    public func seedGenerated(workflows: Int, nodesPerWorkflow: Int, seed: UInt64 = 42) {
        FakeGenerator.seed(&state, workflows: workflows, nodesPerWorkflow: nodesPerWorkflow, seed: seed)
    }

    /// Serializes every answer ahead of time, so that a benchmark measures the client, not the fake.
    public func prepareAnswers() {
        _ = state.listBytes(query: [:])
        for id in state.workflows.keys { _ = state.definitionBytes(id: id) }
    }

    // MARK: Server

    /// Starts listening on 127.0.0.1 (`port` 0 picks a free one) and returns the API's base URL.
    @discardableResult
    public func start(port: UInt16 = 0) async throws -> URL {
        if let baseURL { return baseURL }
        await FakeSlots.shared.acquire()
        do {
            return try await listen(port: port)
        } catch {
            await server?.stop(timeout: 0)
            serverTask?.cancel()
            server = nil
            await FakeSlots.shared.release()
            throw error
        }
    }

    private func listen(port: UInt16) async throws -> URL {
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 600, logger: .disabled)
        await server.appendRoute("*") { [self] request in
            try await self.respond(to: request)
        }
        self.server = server
        serverTask = Task { try await server.run() }
        // FlyingFox's default of 5 s is not enough on a loaded two-core machine running many tests.
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let boundPort)? = await server.listeningAddress else {
            throw FakeSeeder.SeedError(description: "the fake did not report a listening address")
        }
        ListeningSocketTuning.disableNagle(onListeningPort: boundPort)
        let url = URL(string: "http://127.0.0.1:\(boundPort)\(Self.basePath)")!
        baseURL = url
        return url
    }

    public func stop() async {
        guard let server else { return }
        await server.stop(timeout: 1)
        serverTask?.cancel()
        self.server = nil
        baseURL = nil
        await FakeSlots.shared.release()
    }

    // MARK: Test hooks

    /// An edit made in the Kapso editor: applied as is, `lock_version` and `updated_at` move.
    public func simulateEditorEdit(workflowID: String, _ edit: @Sendable (inout FakeWorkflow) -> Void) {
        guard var workflow = state.workflows[workflowID] else { return }
        edit(&workflow)
        workflow.lockVersion += 1
        workflow.updatedAt = state.identity.nextTimestamp()
        state.workflows[workflowID] = workflow
    }

    /// A trigger changed in the Kapso dashboard: triggers are their own resource, so the workflow's
    /// `lock_version` does not move.
    public func simulateTriggerEdit(workflowID: String, _ edit: @Sendable (inout [FakeTrigger]) -> Void) {
        guard var workflow = state.workflows[workflowID] else { return }
        edit(&workflow.triggers)
        state.workflows[workflowID] = workflow
    }

    /// A workflow deleted in Kapso (the API has no DELETE; the dashboard does).
    public func simulateDeletion(workflowID: String) {
        state.workflows.removeValue(forKey: workflowID)
    }

    /// A function edited in the Kapso dashboard: applied as is, `lock_version` and `updated_at` move.
    public func simulateFunctionEdit(slug: String, _ edit: @Sendable (inout FakeFunction) -> Void) {
        guard let index = state.functions.firstIndex(where: { $0.slug == slug }) else { return }
        edit(&state.functions[index])
        state.functions[index].lockVersion += 1
        state.functions[index].updatedAt = state.identity.nextTimestamp()
    }

    /// Sets what the next deployments of a function do, without touching its version.
    public func setDeployOutcome(slug: String, _ outcome: FakeFunction.DeployOutcome) {
        guard let index = state.functions.firstIndex(where: { $0.slug == slug }) else { return }
        state.functions[index].deployOutcome = outcome
    }

    /// A function deleted in Kapso.
    public func simulateFunctionDeletion(slug: String) {
        state.functions.removeAll { $0.slug == slug }
    }

    public func function(slug: String) -> FakeFunction? { state.functions.first { $0.slug == slug } }

    public func workflow(id: String) -> FakeWorkflow? { state.workflows[id] }
    public func workflow(slug: String) -> FakeWorkflow? { state.workflows.values.first { $0.slug == slug } }
    public var workflows: [FakeWorkflow] { state.workflows.values.sorted { $0.sequence < $1.sequence } }
    public var functions: [FakeFunction] { state.functions }

    public func inject(_ rule: FakeFaultRule) { faults.append(rule) }

    /// Runs `change` once, just before the next request with this method is handled: someone else's
    /// edit landing between the service's last read and its write.
    /// `path`: only before a request for exactly this path (below the API's base, like `/flows/{id}`).
    public func onceBefore(method: String, path: String? = nil, _ change: @escaping @Sendable (isolated KapsoFake) -> Void) {
        interleavings.append((method, path, change))
    }
    public func clearFaults() { faults.removeAll() }
    public func requests() -> [FakeRequestRecord] { log }
    public func clearRequests() { log.removeAll() }

    // MARK: Handling

    private struct Reply: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: [UInt8]
        var delay: Duration?
        var gate: FakeGate?
        var cut: Int?
        var stall: FakeGate?
    }

    private func respond(to request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        let body = [UInt8](try await request.bodyData)
        let userAgent = request.headers[HTTPHeader("User-Agent")] ?? ""
        userAgents.insert(userAgent)
        if options.blockClientsWithoutUserAgent, userAgent.trimmingCharacters(in: .whitespaces).isEmpty {
            return HTTPResponse(
                statusCode: .forbidden, headers: [.contentType: "text/plain; charset=UTF-8"], body: Data("error code: 1010".utf8))
        }
        let reply = answer(
            method: request.method.rawValue, path: request.path,
            query: Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
            apiKey: request.headers[HTTPHeader("X-API-Key")], body: body)
        if let delay = reply.delay { try await Task.sleep(for: delay) }
        if let gate = reply.gate { await gate.hold() }
        var headers = HTTPHeaders()
        headers[.contentType] = "application/json; charset=utf-8"
        for (name, value) in reply.headers { headers[HTTPHeader(name)] = value }
        let status = HTTPStatusCode(reply.status, phrase: Self.phrase(reply.status))
        if let cut = reply.cut {
            return HTTPResponse(
                statusCode: status, headers: headers,
                body: HTTPBodySequence(
                    from: FailingBody(bytes: Array(reply.body.prefix(cut)), stall: reply.stall), count: reply.body.count))
        }
        return HTTPResponse(statusCode: status, headers: headers, body: Data(reply.body))
    }

    private func answer(method: String, path fullPath: String, query: [String: String], apiKey: String?, body: [UInt8]) -> Reply {
        let legacy = fullPath.hasPrefix(Self.legacyBasePath + "/")
        guard fullPath.hasPrefix(Self.basePath) || legacy else {
            return record(method, fullPath, json(404, FakeState.error(404, "Not found").body))
        }
        let path = String(fullPath.dropFirst(legacy ? Self.legacyBasePath.count : Self.basePath.count))
        guard apiKey == options.apiKey else {
            let refusal =
                legacy ? FakeState.legacyError(401, "Invalid or missing API key") : FakeState.error(401, "Invalid or missing API key")
            return record(method, path, json(401, refusal.body))
        }
        if let limited = rateLimited() { return record(method, path, limited) }
        if let index = interleavings.firstIndex(where: { $0.method == method && ($0.path == nil || $0.path == path) }) {
            interleavings.remove(at: index).run(self)
        }
        func routed() -> Reply {
            legacy
                ? legacyRoute(method: method, path: path, query: query, body: body)
                : route(method: method, path: path, query: query, body: body)
        }
        var reply: Reply
        var delay: Duration?
        var gate: FakeGate?
        if let index = faults.firstIndex(where: { $0.matches(method: method, path: path) }) {
            let fault = faults[index].fault
            faults[index].remaining -= 1
            if faults[index].remaining <= 0 { faults.remove(at: index) }
            switch fault {
            case .status(let status, let retryAfter):
                reply = json(status, FakeState.error(status, "Injected failure").body)
                if let retryAfter { reply.headers["Retry-After"] = String(retryAfter) }
                return record(method, path, reply)
            case .connectionReset, .truncatedBody, .stalledBody:
                // The request is carried out; its answer is cut: at once, or halfway (and held there when it stalls).
                reply = routed()
                reply.cut = fault == .connectionReset ? 0 : reply.body.count / 2
                if case .stalledBody(let stall) = fault { reply.stall = stall }
                return record(method, path, reply)
            case .replaceBody(let text):
                return record(method, path, Reply(status: 200, body: Array(text.utf8)))
            case .redirect(let location):
                reply = Reply(status: 302, body: [])
                reply.headers["Location"] = location
                return record(method, path, reply)
            case .delay(let duration):
                delay = duration
            case .hold(let held):
                gate = held
            }
        }
        reply = routed()
        reply.delay = delay
        reply.gate = gate
        if options.requestsPerMinute > 0 {
            reply.headers["X-RateLimit-Limit"] = String(options.requestsPerMinute)
            reply.headers["X-RateLimit-Remaining"] = String(max(0, options.requestsPerMinute - recentRequests.count))
        }
        return record(method, path, reply)
    }

    private func route(method: String, path: String, query: [String: String], body: [UInt8]) -> Reply {
        let parts = path.split(separator: "/").map(String.init)
        let parsedBody: CanonicalJSON.JSONValue?
        if body.isEmpty {
            parsedBody = nil
        } else if let value = try? JSONParser.parse(body) {
            parsedBody = value
        } else {
            return json(400, FakeState.error(400, "Request body is not valid JSON").body)
        }
        let answer: FakeState.Answer
        switch (method, parts.count, parts.first) {
        case ("GET", 1, "workflows"): return Reply(status: 200, body: state.listBytes(query: query, pageSize: options.listPageSize))
        case ("POST", 1, "workflows"): answer = state.create(body: parsedBody ?? .null)
        case ("GET", 2, "workflows"): answer = state.metadata(id: parts[1])
        case ("PATCH", 2, "workflows"): answer = state.update(id: parts[1], body: parsedBody ?? .null)
        case ("GET", 3, "workflows") where parts[2] == "definition":
            guard let bytes = state.definitionBytes(id: parts[1]) else { answer = state.definition(id: parts[1]); break }
            return Reply(status: 200, body: bytes)
        case ("GET", 3, "workflows") where parts[2] == "triggers": answer = state.triggers(workflowID: parts[1])
        case ("PUT", 3, "workflows") where parts[2] == "triggers":
            answer = state.replaceTriggers(workflowID: parts[1], body: parsedBody ?? .null)
        case ("POST", 3, "workflows") where parts[2] == "triggers":
            answer = state.createTrigger(workflowID: parts[1], body: parsedBody ?? .null)
        case ("GET", 1, "functions"): answer = state.listFunctions()
        case ("POST", 1, "functions"): answer = terse(state.createFunction(body: parsedBody ?? .null))
        case ("GET", 2, "functions"): answer = state.function(id: parts[1])
        case ("PATCH", 2, "functions"): answer = terse(state.updateFunction(id: parts[1], body: parsedBody ?? .null))
        case ("POST", 3, "functions") where parts[2] == "deploy":
            answer = state.deployFunction(id: parts[1])
            if options.terseFunctionWrites && answer.status == 202 { return Reply(status: 202, body: []) }
        default: answer = FakeState.error(404, "Not found")
        }
        return json(answer.status, answer.body)
    }

    private func legacyRoute(method: String, path: String, query: [String: String], body: [UInt8]) -> Reply {
        let parts = path.split(separator: "/").map(String.init)
        var parsedBody: CanonicalJSON.JSONValue = .null
        if !body.isEmpty {
            guard let value = try? JSONParser.parse(body) else {
                return json(400, FakeState.legacyError(400, "Request body is not valid JSON").body)
            }
            parsedBody = value
        }
        let answer: FakeState.Answer
        switch (method, parts.count, parts.first) {
        case ("GET", 1, "flows"): answer = state.legacyList(query: query)
        case ("POST", 1, "flows"): answer = state.legacyCreate(body: parsedBody)
        case ("GET", 2, "flows"): answer = state.legacyFlowAnswer(id: parts[1])
        case ("PATCH", 2, "flows"): answer = state.legacyUpdate(id: parts[1], body: parsedBody)
        case ("GET", 3, "flows") where parts[2] == "definition": answer = state.legacyDefinition(id: parts[1])
        case ("GET", 3, "flows") where parts[2] == "triggers": answer = state.legacyTriggers(flowID: parts[1])
        case ("POST", 3, "flows") where parts[2] == "triggers": answer = state.legacyCreateTrigger(flowID: parts[1], body: parsedBody)
        case ("PATCH", 2, "triggers"): answer = state.legacyUpdateTrigger(id: parts[1], body: parsedBody)
        case ("DELETE", 2, "triggers"): answer = state.legacyDeleteTrigger(id: parts[1])
        default: answer = FakeState.legacyError(404, "Not found")
        }
        if answer.status == 204 { return Reply(status: 204, body: []) }
        return json(answer.status, answer.body)
    }

    /// A function write's answer without its code, under `terseFunctionWrites`.
    private func terse(_ answer: FakeState.Answer) -> FakeState.Answer {
        guard options.terseFunctionWrites, case .object(var document) = answer.body, case .object(var data)? = document["data"] else {
            return answer
        }
        data.removeValue(forKey: "code")
        document["data"] = .object(data)
        return (answer.status, .object(document))
    }

    private func rateLimited() -> Reply? {
        guard options.requestsPerMinute > 0 else { return nil }
        let now = ContinuousClock.now
        recentRequests.removeAll { $0 + options.rateWindow <= now }
        guard recentRequests.count < options.requestsPerMinute else {
            var reply = json(429, ["error": "Rate limit exceeded", "message": "Too many requests. Try again later."])
            reply.headers = [
                "Retry-After": String(options.retryAfterSeconds), "X-RateLimit-Limit": String(options.requestsPerMinute),
                "X-RateLimit-Remaining": "0",
            ]
            return reply
        }
        recentRequests.append(now)
        return nil
    }

    private func json(_ status: Int, _ body: CanonicalJSON.JSONValue) -> Reply {
        Reply(status: status, body: CanonicalJSONWriter.compactBytes(body))
    }

    private func record(_ method: String, _ path: String, _ reply: Reply) -> Reply {
        log.append(FakeRequestRecord(method: method, path: path, status: reply.status))
        return reply
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 409: "Conflict"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
