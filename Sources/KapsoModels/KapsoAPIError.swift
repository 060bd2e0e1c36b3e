/// A failed call to the Kapso API. Each case names the endpoint (`GET /workflows/{id}/definition`
/// style, plus the concrete workflow where there is one) and never contains the API key.
public enum KapsoAPIError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The server answered with an error status; `message` is its `error` field (redacted).
    case http(status: Int, endpoint: String, message: String)
    /// No usable answer after every retry.
    case transport(endpoint: String, detail: String, attempts: Int)
    /// The server answered 2xx with a body that is not the documented shape.
    case malformedResponse(endpoint: String, detail: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .http(let status, let endpoint, let message):
            "\(endpoint): HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
        case .transport(let endpoint, let detail, let attempts):
            "\(endpoint): \(detail) (after \(attempts) attempt\(attempts == 1 ? "" : "s"))"
        case .malformedResponse(let endpoint, let detail):
            "\(endpoint): malformed response: \(detail)"
        case .invalidConfiguration(let detail):
            "invalid Kapso API configuration: \(detail)"
        }
    }

    public var status: Int? {
        if case .http(let status, _, _) = self { return status }
        return nil
    }

    /// A label with no payload, fit for a metric.
    public var metricLabel: String {
        switch self {
        case .http(let status, _, _): "http_\(status)"
        case .transport: "transport"
        case .malformedResponse: "malformed_response"
        case .invalidConfiguration: "configuration"
        }
    }
}
