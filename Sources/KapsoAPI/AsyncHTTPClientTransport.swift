import AsyncHTTPClient
import Foundation
import KapsoModels
import NIOCore
import NIOHTTP1

/// `HTTPTransport` over AsyncHTTPClient (SwiftNIO). It replaced URLSession, whose Linux implementation
/// keeps a core busy (70–95% CPU, measured) for as long as a request waits for its answer: a service
/// waiting on a slow Kapso must not burn a core.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Larger answers are refused rather than held in memory.
    public static let maximumBodyBytes = 64 * 1024 * 1024

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
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    let client: HTTPClient

    public init() {
        client = Self.processClient
    }

    public func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = NIOHTTP1.HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let components = request.timeout.components
        let timeout = TimeAmount.nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name] = header.value }
            return HTTPResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
        } catch {
            throw Self.transportError(error)
        }
    }

    static func transportError(_ error: any Error) -> TransportError {
        if let error = error as? HTTPClientError {
            if [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout].contains(error) {
                return TransportError(kind: .timedOut, detail: "\(error)")
            }
            if [.remoteConnectionClosed, .bodyLengthMismatch].contains(error) {
                return TransportError(kind: .connectionLost, detail: "\(error)")
            }
            return TransportError(kind: .other, detail: "\(error)")
        }
        if error is NIOTooManyBytesError {
            return TransportError(kind: .other, detail: "answer larger than \(maximumBodyBytes / 1024 / 1024) MiB")
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
