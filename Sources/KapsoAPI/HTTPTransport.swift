import Foundation
import KapsoModels

/// One HTTP exchange, independent of the library that carries it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: [UInt8]?
    public var timeout: Duration

    public init(method: String, url: URL, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }
}

/// Why no response arrived. `retryable` says whether the same request may be sent again.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case timedOut
        case connectionLost
        case cannotConnect
        case other
    }

    public let kind: Kind
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .timedOut: "timed out"
        case .connectionLost: "connection lost (\(detail))"
        case .cannotConnect: "cannot connect (\(detail))"
        case .other: detail
        }
    }
}

/// The seam between the client and the network, so tests can script answers and the
/// HTTP library can change without touching the client.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse
}
