/// A failure the fake produces on purpose, for the next requests that match.
public enum FakeFault: Sendable, Equatable {
    /// Answer with this status and Kapso's error body (and `Retry-After` when given).
    case status(Int, retryAfterSeconds: Int? = nil)
    /// Close the connection without a complete answer.
    case connectionReset
    /// Wait this long before answering normally.
    case delay(Duration)
    /// Send the headers and half the body, then close the connection.
    case truncatedBody
    /// Send the headers and half the body, then send nothing more, holding the connection open, until
    /// the test opens the gate; then close it.
    case stalledBody(FakeGate)
    /// Answer 200 with this body instead of the real one (a malformed answer).
    case replaceBody(String)
    /// Answer 302 with this `Location`.
    case redirect(to: String)
    /// Carry the request out, then hold its answer until the test opens the gate.
    case hold(FakeGate)
}

/// Which requests a fault applies to: method and path prefix (below `/platform/v1`), nil for any.
public struct FakeFaultRule: Sendable {
    public var method: String?
    public var pathPrefix: String?
    public var fault: FakeFault
    public var remaining: Int

    public init(method: String? = nil, pathPrefix: String? = nil, fault: FakeFault, count: Int = 1) {
        self.method = method
        self.pathPrefix = pathPrefix
        self.fault = fault
        self.remaining = count
    }

    func matches(method: String, path: String) -> Bool {
        (self.method == nil || self.method == method) && (pathPrefix.map { path.hasPrefix($0) } ?? true)
    }
}

/// One request the fake received, for tests to inspect.
public struct FakeRequestRecord: Sendable, Equatable {
    public let method: String
    public let path: String
    public let status: Int
}
