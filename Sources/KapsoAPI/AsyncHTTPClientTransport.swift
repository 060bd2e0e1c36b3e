import AsyncHTTPClient
import Foundation
import KapsoModels
import NIOCore
import NIOHTTP1
import NIOPosix

/// `HTTPTransport` over AsyncHTTPClient (SwiftNIO). It replaced URLSession, whose Linux implementation
/// keeps a core busy (70–95% CPU, measured) for as long as a request waits for its answer: a service
/// waiting on a slow Kapso must not burn a core.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Larger answers are refused rather than held in memory.
    public static let defaultMaximumBodyBytes = 64 * 1024 * 1024

    /// One client for the whole process: a static is never deinitialised, so it needs no shutdown. A
    /// refused connection fails the request at once instead of being retried inside the pool until the
    /// request's deadline: the Kapso client has its own retries, with backoff and jitter, that it logs.
    static let processClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        // Kapso's API does not redirect; a redirect would carry X-API-Key to wherever it points. It is
        // answered as it came (an error status that names the endpoint), never followed.
        configuration.redirectConfiguration = .disallow
        // No tracer is bootstrapped: without this the client works out span attributes for the no-op
        // tracer on every request (0.5% of a first import's CPU time, measured with perf).
        configuration.tracing.tracer = nil
        // One event-loop thread, not one per core: the loop only moves bytes and parses HTTP. A second
        // loop thread, taking turns on the cores with Swift's pool and the git queue, cost a first import
        // a fifth more context switches and 5–8% more CPU time (measured at 1,000 and 10,000 workflows).
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration)
    }()

    let client: HTTPClient
    let maximumBodyBytes: Int

    public init(maximumBodyBytes: Int = AsyncHTTPClientTransport.defaultMaximumBodyBytes) {
        client = Self.processClient
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// The request's timeout bounds the whole exchange, the body included. AsyncHTTPClient's
    /// `async` `execute` ends its deadline with the answer's headers, so a body that stalled halfway
    /// held the cycle with no deadline at all; its `EventLoopFuture` form keeps the deadline until the
    /// last byte, and collects the body on the event loop instead of handing each part to the task.
    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let components = request.timeout.components
        let timeout = TimeAmount.nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
        do {
            var headers = HTTPHeaders()
            for (name, value) in request.headers { headers.add(name: name, value: value) }
            let outgoing = try HTTPClient.Request(
                url: request.url, method: NIOHTTP1.HTTPMethod(rawValue: request.method), headers: headers,
                body: request.body.map { .bytes($0) })
            let task = client.execute(
                request: outgoing, delegate: ResponseAccumulator(request: outgoing, maxBodySize: maximumBodyBytes),
                deadline: .now() + timeout)
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            var answerHeaders: [String: String] = [:]
            for header in response.headers { answerHeaders[header.name] = header.value }
            let body = response.body.map { Array($0.readableBytesView) } ?? []
            return HTTPResponse(status: Int(response.status.code), headers: answerHeaders, body: body)
        } catch {
            throw Self.transportError(error, maximumBodyBytes: maximumBodyBytes)
        }
    }

    static func transportError(_ error: any Error, maximumBodyBytes: Int) -> TransportError {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout].contains(error) {
                return TransportError(kind: .timedOut, detail: "\(error)")
            }
            if [.remoteConnectionClosed, .bodyLengthMismatch].contains(error) {
                return TransportError(kind: .connectionLost, detail: "\(error)")
            }
            if error == .cancelled { return TransportError(kind: .other, detail: "cancelled") }
            return TransportError(kind: .other, detail: "\(error)")
        }
        if error is ResponseAccumulator.ResponseTooBigError {
            return TransportError(kind: .other, detail: "answer larger than \(maximumBodyBytes) bytes")
        }
        if error is HTTPParserError { return TransportError(kind: .connectionLost, detail: "malformed HTTP: \(error)") }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH: return TransportError(kind: .cannotConnect, detail: "\(error)")
            case ECONNRESET, EPIPE: return TransportError(kind: .connectionLost, detail: "\(error)")
            default: return TransportError(kind: .other, detail: "\(error)")
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return TransportError(kind: .timedOut, detail: "\(error)")
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed:
                return TransportError(kind: .connectionLost, detail: "\(error)")
            default: return TransportError(kind: .other, detail: "\(error)")
            }
        }
        if error is CancellationError { return TransportError(kind: .other, detail: "cancelled") }
        return TransportError(kind: .other, detail: "\(error)")
    }
}
