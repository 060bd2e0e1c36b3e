import CanonicalJSON
import Foundation
import KapsoModels
import Synchronization

/// The Kapso Platform API client: retries with backoff and jitter, `Retry-After` on 429,
/// a client-side rate limit, a bound on requests in flight, and errors that name the endpoint.
public final class KapsoClient: Sendable {
    public let configuration: KapsoClientConfiguration
    private let transport: any HTTPTransport
    private let rateLimiter: RateLimiter
    private let concurrency: ConcurrencyLimiter
    private let onEvent: @Sendable (KapsoClientEvent) -> Void
    private let sleep: @Sendable (Duration) async throws -> Void
    private let requestCounter = Atomic<Int>(0)
    /// The last one-page list answer and the list read from it: when the next answer has the same bytes,
    /// the list is not parsed again (at 10,000 workflows that was 3 MB of JSON and 20 ms every cycle).
    private let lastList = Mutex<(body: [UInt8], list: WorkflowList)?>(nil)

    public init(
        configuration: KapsoClientConfiguration,
        transport: (any HTTPTransport)? = nil,
        onEvent: @escaping @Sendable (KapsoClientEvent) -> Void = { _ in },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.transport = transport ?? AsyncHTTPClientTransport()
        self.rateLimiter = RateLimiter(limit: configuration.requestsPerMinute)
        self.concurrency = ConcurrencyLimiter(limit: configuration.concurrency)
        self.onEvent = onEvent
        self.sleep = sleep
    }

    /// HTTP requests sent so far, retries included.
    public var requestsSent: Int { requestCounter.load(ordering: .relaxed) }

    // MARK: Operations

    /// The whole list. Documented as unpaginated, but an answer that says it has more pages (`meta` with
    /// `total_pages`, as Kapso's other lists) is followed to the last page: a workflow left unseen would
    /// look deleted. A list that changed while it was paged (fewer distinct workflows than
    /// `total_count`) is an error, for the same reason.
    public func listWorkflows() async throws(KapsoAPIError) -> WorkflowList {
        let previous = lastList.withLock { $0 }
        var answer: [UInt8] = []
        var unchanged = false
        let document = try await sendForDocument(Endpoint.listWorkflows) { body throws(JSONParseError) in
            answer = body
            unchanged = previous?.body == body
            return unchanged ? .object([:]) : try JSONParser.parse(body)
        }
        if unchanged, let previous { return previous.list }
        return try await list(firstAnswer: answer, document: document)
    }

    public func workflowListAnswer() async throws(KapsoAPIError) -> [UInt8]? {
        try await unparsedAnswer(.listWorkflows)
    }

    public func listWorkflows(answer: [UInt8]) async throws(KapsoAPIError) -> WorkflowList {
        if let previous = lastList.withLock({ $0 }), previous.body == answer { return previous.list }
        guard let document = try? JSONParser.parse(answer), document.objectValue != nil else { return try await listWorkflows() }
        return try await list(firstAnswer: answer, document: document)
    }

    /// The answer's body as received; the caller parses it (and asks again when it does not parse).
    func unparsedAnswer(_ endpoint: Endpoint) async throws(KapsoAPIError) -> [UInt8] {
        var answer: [UInt8] = []
        _ = try await sendForDocument(endpoint) { body throws(JSONParseError) in
            answer = body
            return .object([:])
        }
        return answer
    }

    private func list(firstAnswer answer: [UInt8], document first: JSONValue) async throws(KapsoAPIError) -> WorkflowList {
        var endpoint = Endpoint.listWorkflows
        var document = first
        var items = try listItems(document, endpoint: endpoint)
        guard let meta = document["meta"]?.objectValue, let totalPages = meta["total_pages"]?.numberValue?.intValue, totalPages > 1
        else {
            let list = WorkflowList(items: items)
            lastList.withLock { $0 = (answer, list) }
            return list
        }
        guard totalPages <= 10_000 else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "meta.total_pages \(totalPages) is not believable")
        }
        let perPage = meta["per_page"]?.numberValue?.intValue
        for page in 2...totalPages {
            endpoint = Endpoint.listWorkflows(page: page, perPage: perPage)
            document = try await sendForDocument(endpoint)
            items += try listItems(document, endpoint: endpoint)
        }
        if let total = meta["total_count"]?.numberValue?.intValue {
            let distinct = Set(items.map { $0["id"]?.stringValue ?? "" }).count
            guard distinct >= total else {
                throw .malformedResponse(
                    endpoint: Endpoint.listWorkflows.description,
                    detail: "the list changed while it was read page by page (\(distinct) of \(total) workflows seen)")
            }
        }
        return WorkflowList(items: items)
    }

    private func listItems(_ document: JSONValue, endpoint: Endpoint) throws(KapsoAPIError) -> [JSONValue] {
        guard let data = document["data"] else { throw .malformedResponse(endpoint: endpoint.description, detail: "no data member") }
        return try Self.items(of: data, endpoint: endpoint)
    }

    /// Sends a request whose answer's `data` is an array, and returns its items.
    func sendForArray(_ endpoint: Endpoint) async throws(KapsoAPIError) -> [JSONValue] {
        try Self.items(of: try await send(endpoint), endpoint: endpoint)
    }

    static func items(of data: JSONValue, endpoint: Endpoint) throws(KapsoAPIError) -> [JSONValue] {
        guard let items = data.arrayValue else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "data is \(data.kindName), expected array")
        }
        return items
    }

    /// Triggers in the Platform API's shape, read from a list answer of `endpoint`.
    static func triggers(_ items: [JSONValue], endpoint: Endpoint) throws(KapsoAPIError) -> [WorkflowTrigger] {
        do {
            return try items.enumerated().map { index, item throws(ModelError) in
                try WorkflowTrigger(item, index: index)
            }
        } catch {
            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
        }
    }

    public func workflowDefinition(id: String) async throws(KapsoAPIError) -> WorkflowWithDefinition {
        let endpoint = Endpoint.definition(id)
        let data = try await send(endpoint)
        do {
            return try WorkflowWithDefinition(data)
        } catch {
            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
        }
    }

    public func triggers(workflowID: String) async throws(KapsoAPIError) -> [WorkflowTrigger] {
        let endpoint = Endpoint.triggers(workflowID)
        return try Self.triggers(try await sendForArray(endpoint), endpoint: endpoint)
    }

    // MARK: Transport with retries

    /// Sends a request and returns the `data` member of the answer's envelope.
    public func send(_ endpoint: Endpoint, body: JSONValue? = nil) async throws(KapsoAPIError) -> JSONValue {
        let document = try await sendForDocument(endpoint, body: body)
        if document == .null { return .null }
        guard let data = document["data"] else {
            throw KapsoAPIError.malformedResponse(endpoint: endpoint.description, detail: "no data member")
        }
        return data
    }

    /// Sends a request and returns the whole answer (`.null` for 204, or a 202 with no body). A request that is not idempotent
    /// (POST) is sent again only when Kapso cannot have acted on it: a refused connection or a 429.
    ///
    /// `parse` reads a successful answer's body; a parse error on an idempotent request is retried.
    func sendForDocument(
        _ endpoint: Endpoint, body: JSONValue? = nil,
        parse: ([UInt8]) throws(JSONParseError) -> JSONValue = { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
    ) async throws(KapsoAPIError) -> JSONValue {
        let url = try url(for: endpoint)
        var headers = ["X-API-Key": configuration.apiKey.value, "Accept": "application/json", "User-Agent": configuration.userAgent]
        var bodyBytes: [UInt8]?
        if let body {
            headers["Content-Type"] = "application/json"
            bodyBytes = CanonicalJSONWriter.compactBytes(body)
        }
        let request = HTTPRequest(
            method: endpoint.method, url: url, headers: headers, body: bodyBytes, timeout: configuration.requestTimeout)
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await exchange(request, endpoint: endpoint)
            let retryReason: String
            var wait: Duration?
            switch outcome {
            case .success(let response):
                if (200..<300).contains(response.status) {
                    // 202 Accepted (a deployment started) need not say more than its status.
                    if response.status == 204 || (response.status == 202 && response.body.isEmpty) { return .null }
                    do {
                        let document = try parse(response.body)
                        guard document.objectValue != nil else {
                            throw KapsoAPIError.malformedResponse(endpoint: endpoint.description, detail: "not a JSON object")
                        }
                        return document
                    } catch let error as JSONParseError {
                        // A cut-off body parses as broken JSON: worth another try when the request is idempotent.
                        guard endpoint.idempotent, attempt < policy.maxAttempts else {
                            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
                        }
                        retryReason = "malformed body"
                    } catch {
                        throw error as? KapsoAPIError
                            ?? .malformedResponse(endpoint: endpoint.description, detail: "\(error)")
                    }
                } else {
                    let failure = KapsoAPIError.http(
                        status: response.status, endpoint: endpoint.description,
                        message: errorMessage(response.body, status: response.status))
                    // A POST answered 5xx may have created the workflow: only a 429 says it was not acted on.
                    let retryable = RetryPolicy.isRetryableStatus(response.status) && (endpoint.idempotent || response.status == 429)
                    guard retryable, attempt < policy.maxAttempts else { throw failure }
                    if let retryAfter = RetryPolicy.retryAfter(response.headers["retry-after"]) {
                        guard retryAfter <= policy.maxRetryAfter else { throw failure }
                        wait = retryAfter
                    }
                    retryReason = "HTTP \(response.status)"
                }
            case .failure(let error):
                let retryable = endpoint.idempotent || error.kind == .cannotConnect
                guard retryable, attempt < policy.maxAttempts else {
                    throw .transport(endpoint: endpoint.description, detail: error.description, attempts: attempt)
                }
                retryReason = error.description
            }
            let delay = wait ?? policy.backoff(afterAttempt: attempt, unitRandom: Double.random(in: 0...1))
            onEvent(.retry(endpoint: endpoint.label, attempt: attempt, wait: delay, reason: retryReason))
            do {
                try await sleep(delay)
            } catch {
                throw .transport(endpoint: endpoint.description, detail: "cancelled", attempts: attempt)
            }
        }
    }

    private func exchange(_ request: HTTPRequest, endpoint: Endpoint) async -> Result<HTTPResponse, TransportError> {
        do {
            let waited = try await rateLimiter.acquire()
            if waited > .milliseconds(1) { onEvent(.rateLimitWait(duration: waited)) }
        } catch {
            return .failure(TransportError(kind: .other, detail: "cancelled"))
        }
        await concurrency.acquire()
        let started = ContinuousClock.now
        requestCounter.add(1, ordering: .relaxed)
        let result: Result<HTTPResponse, TransportError>
        do {
            result = .success(try await transport.send(request))
        } catch {
            result = .failure(error)
        }
        await concurrency.release()
        let status = try? result.get().status
        onEvent(.response(endpoint: endpoint.label, status: status, duration: ContinuousClock.now - started))
        return result
    }

    private func url(for endpoint: Endpoint) throws(KapsoAPIError) -> URL {
        var base = configuration.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + endpoint.path) else {
            throw .invalidConfiguration("cannot build a URL for \(endpoint.description)")
        }
        return url
    }

    /// The `error` (and `message`) of Kapso's error body, short and without the key.
    private func errorMessage(_ body: [UInt8], status: Int) -> String {
        if status == 403, String(decoding: body.prefix(2048), as: UTF8.self).contains("error code: 1010") {
            return "error code: 1010: a CDN in front of Kapso refused this client before Kapso saw the request (it judges "
                + "clients by User-Agent and address). This client sends User-Agent \(configuration.userAgent): check that no "
                + "proxy on the way rewrites or drops it, and that this machine's address is not blocked"
        }
        var text: String
        if let document = try? JSONParser.parse(body), let error = document["error"]?.stringValue {
            text = error
            if let message = document["message"]?.stringValue { text += " (\(message))" }
        } else {
            text = String(decoding: body.prefix(200), as: UTF8.self)
        }
        text = configuration.apiKey.redact(text)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

extension KapsoClient: KapsoBackend {
    public var maxConcurrentRequests: Int { configuration.concurrency }

    public func createWorkflow(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue {
        try await send(.createWorkflow, body: ["workflow": .object(fields)])
    }

    public func updateWorkflow(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> JSONValue {
        try await send(.updateWorkflow(id), body: ["workflow": .object(fields)])
    }

    public func replaceTriggers(workflowID: String, triggers: [JSONValue]) async throws(KapsoAPIError) {
        _ = try await send(.replaceTriggers(workflowID), body: ["triggers": .array(triggers)])
    }
}
