import FlyingFox
import Foundation
import GitSyncConfig
import Logging
import ServiceLifecycle
import Synchronization

/// The HTTP side of the service, on loopback unless configured otherwise: `/healthz`, `/readyz`,
/// `/metrics`, `/status`, `POST /sync` and the git hosts' push webhooks, or the webhooks alone on a
/// listener of their own (`webhooks.listen`). It is bound before the service reports ready, and stops
/// last, so that it tells the truth while the last cycle finishes.
public final class StatusServer: Service, Sendable {
    /// GitHub's push payloads are at most 25 MB; anything larger is not a webhook.
    public static let maximumWebhookBody = 25 * 1024 * 1024

    let server: HTTPServer
    public let boundAddress: String

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds, starts answering and runs `body` while it serves; throws a clear error when the address
    /// cannot be used. The accept loop is a child task of this call, so nothing outlives it: it ends
    /// when `body` returns or throws (the server stopped first).
    public static func serving<Result: Sendable>(
        listen: ListenAddress, key: String = "status.listen", endpoints: StatusRoutes.Endpoints = .all, state: ServiceState,
        metrics: ServiceMetrics, trigger: CycleTrigger, webhooks: WebhookVerifier, logger: Logger,
        _ body: (StatusServer) async throws -> Result
    ) async throws -> Result {
        let server: HTTPServer
        do {
            server =
                listen.isIPv6
                ? HTTPServer(address: try sockaddr_in6.inet6(ip6: listen.host, port: listen.port), timeout: 30, logger: .disabled)
                : HTTPServer(address: try sockaddr_in.inet(ip4: listen.host, port: listen.port), timeout: 30, logger: .disabled)
        } catch {
            throw StartError(description: "\(key) \(listen): the host must be an IP address")
        }
        let routes = StatusRoutes(
            endpoints: endpoints, state: state, metrics: metrics, trigger: trigger, webhooks: webhooks, logger: logger)
        await server.appendRoute("*") { request in await routes.respond(to: request) }
        let failure = StartFailure()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch {
                    failure.reason.withLock { $0 = "\(error)" }
                    throw error
                }
            }
            do {
                let status = StatusServer(
                    server: server, boundAddress: try await listeningAddress(of: server, listen: listen, key: key, failure: failure))
                let result = try await body(status)
                await server.stop(timeout: 0.5)
                group.cancelAll()
                return result
            } catch {
                await server.stop(timeout: 0.5)
                group.cancelAll()
                throw error
            }
        }
    }

    /// Waits until the server listens, polled rather than raced: the accept loop runs for good.
    private static func listeningAddress(
        of server: HTTPServer, listen: ListenAddress, key: String, failure: StartFailure
    ) async throws -> String {
        var waited = 0
        while !(await server.isListening) {
            if let reason = failure.reason.withLock({ $0 }) {
                throw StartError(description: "\(key) \(listen): cannot listen: \(reason)")
            }
            guard waited < 10_000 else {
                throw StartError(description: "\(key) \(listen): not listening after 10 s")
            }
            try await Task.sleep(for: .milliseconds(10))
            waited += 10
        }
        switch await server.listeningAddress {
        case .ip4(let host, let port)?: return "\(host):\(port)"
        case .ip6(let host, let port)?: return "[\(host)]:\(port)"
        default: return listen.description
        }
    }

    private init(server: HTTPServer, boundAddress: String) {
        self.server = server
        self.boundAddress = boundAddress
    }

    public func run() async throws {
        // Serves until the group shuts down; cancellation (the group's last resort) stops it too.
        try? await gracefulShutdown()
        await server.stop(timeout: 0.5)
    }
}

/// Why the accept loop ended before the server listened, shared with the task that waits for it.
final class StartFailure: Sendable {
    let reason = Mutex<String?>(nil)
}

/// The handlers, kept apart from the server's life cycle.
public struct StatusRoutes: Sendable {
    /// Which endpoints a listener serves.
    public struct Endpoints: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `/healthz`, `/readyz`, `/metrics`, `/status`, `POST /sync`.
        public static let status = Endpoints(rawValue: 1)
        /// `POST /webhooks/github`, `POST /webhooks/gitlab`.
        public static let webhooks = Endpoints(rawValue: 2)
        public static let all: Endpoints = [.status, .webhooks]
    }

    let endpoints: Endpoints
    let state: ServiceState
    let metrics: ServiceMetrics
    let trigger: CycleTrigger
    let webhooks: WebhookVerifier
    let logger: Logger

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let isWebhook = request.path == "/webhooks/github" || request.path == "/webhooks/gitlab"
        guard endpoints.contains(isWebhook ? .webhooks : .status) else {
            return text(.notFound, "no such endpoint: \(request.path)")
        }
        switch (request.method, request.path) {
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            let (alive, detail) = state.liveness()
            return text(alive ? .ok : .serviceUnavailable, detail)
        case (.GET, "/readyz"), (.HEAD, "/readyz"):
            let (ready, detail) = state.readiness()
            return text(ready ? .ok : .serviceUnavailable, detail)
        case (.GET, "/metrics"):
            return HTTPResponse(
                statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: Data(metrics.exposition().utf8))
        case (.GET, "/status"):
            return HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/json"], body: ServiceStatusDocument(state: state).encoded())
        case (.POST, "/sync"):
            trigger.request("POST /sync")
            logger.info("cycle requested", metadata: ["gitsync.trigger": "POST /sync", "gitsync.remote": "\(remote(request))"])
            return text(.accepted, "cycle requested")
        case (.POST, "/webhooks/github"):
            return await webhook(.github, request)
        case (.POST, "/webhooks/gitlab"):
            return await webhook(.gitlab, request)
        case (_, "/healthz"), (_, "/readyz"), (_, "/metrics"), (_, "/status"), (_, "/sync"), (_, "/webhooks/github"),
            (_, "/webhooks/gitlab"):
            return text(.methodNotAllowed, "method \(request.method.rawValue) not allowed on \(request.path)")
        default:
            return text(.notFound, "no such endpoint: \(request.path)")
        }
    }

    /// The body, or nil once it would pass `limit`: a declared length past it is refused before a byte
    /// of the body is read, and a chunked body is read only up to it.
    static func body(of request: HTTPRequest, limit: Int) async throws -> Data? {
        if let declared = request.bodySequence.count, declared > limit { return nil }
        var data = Data()
        for try await chunk in request.bodySequence {
            data.append(chunk)
            if data.count > limit { return nil }
        }
        return data
    }

    private func webhook(_ host: WebhookVerifier.Host, _ request: HTTPRequest) async -> HTTPResponse {
        let body: Data
        do {
            guard let read = try await Self.body(of: request, limit: StatusServer.maximumWebhookBody) else {
                logger.warning(
                    "webhook refused: body larger than \(StatusServer.maximumWebhookBody) bytes",
                    metadata: ["gitsync.webhook": "\(host.rawValue)", "gitsync.remote": "\(remote(request))"])
                // The rest of the body is never read: the connection cannot carry another request.
                return HTTPResponse(
                    statusCode: .payloadTooLarge, headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                    body: Data("body too large\n".utf8))
            }
            body = read
        } catch {
            return text(.badRequest, "cannot read the body")
        }
        var headers: [String: String] = [:]
        for name in ["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery", "X-Gitlab-Token", "X-Gitlab-Event"] {
            if let value = request.headers[HTTPHeader(name)] { headers[name.lowercased()] = value }
        }
        let delivery = headers["x-github-delivery"] ?? "none"
        let metadata: Logger.Metadata = [
            "gitsync.webhook": "\(host.rawValue)", "gitsync.delivery": "\(delivery)", "gitsync.remote": "\(remote(request))",
        ]
        switch webhooks.verdict(host: host, headers: headers, body: body) {
        case .disabled:
            return text(
                .notFound,
                "the \(host.rawValue) webhook is not configured (webhooks.\(host == .github ? "github_secret_file" : "gitlab_token_file"))")
        case .reject(let reason):
            // The body is not logged: it is unauthenticated input.
            logger.warning("webhook refused", metadata: metadata.merging(["gitsync.reason": "\(reason)"]) { $1 })
            return text(.unauthorized, "signature check failed")
        case .ignore(let reason):
            logger.info("webhook ignored", metadata: metadata.merging(["gitsync.reason": "\(reason)"]) { $1 })
            return text(.ok, "ignored: \(reason)")
        case .trigger(let reason):
            trigger.request("\(host.rawValue) webhook: \(reason)")
            logger.info("cycle requested", metadata: metadata.merging(["gitsync.trigger": "\(reason)"]) { $1 })
            return text(.accepted, "cycle requested")
        }
    }

    private func remote(_ request: HTTPRequest) -> String {
        switch request.remoteAddress {
        case .ip4(let host, _)?, .ip6(let host, _)?: host
        case .unix(let path)?: path
        case nil: "unknown"
        }
    }

    private func text(_ status: HTTPStatusCode, _ body: String) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Data((body + "\n").utf8))
    }
}
