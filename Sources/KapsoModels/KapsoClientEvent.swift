/// What a backend's client reports while it works, for logs and metrics.
public enum KapsoClientEvent: Sendable {
    /// A complete exchange: `status` is nil when no response arrived.
    case response(endpoint: String, status: Int?, duration: Duration)
    case retry(endpoint: String, attempt: Int, wait: Duration, reason: String)
    case rateLimitWait(duration: Duration)
}
