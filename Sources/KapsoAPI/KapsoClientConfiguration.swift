import Foundation
import KapsoModels

/// Everything the client needs to reach one Kapso project.
public struct KapsoClientConfiguration: Sendable {
    /// The Platform API root, e.g. `https://api.kapso.ai/platform/v1`.
    public var baseURL: URL
    public var apiKey: APIKey
    public var requestTimeout: Duration
    public var retry: RetryPolicy
    /// `kapso.requests_per_minute`: 100 is Kapso's smallest plan; 0 turns the limit off.
    public var requestsPerMinute: Int
    /// `kapso.concurrency`: requests in flight at once.
    public var concurrency: Int
    /// Sent with every request: a CDN in front of the API blocks clients it cannot tell (403, "error
    /// code: 1010").
    public var userAgent: String

    public init(
        baseURL: URL, apiKey: APIKey, requestTimeout: Duration = .seconds(30), retry: RetryPolicy = RetryPolicy(),
        requestsPerMinute: Int = 100, concurrency: Int = 4, userAgent: String = "kapso-gitsync"
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.requestsPerMinute = requestsPerMinute
        self.concurrency = concurrency
        self.userAgent = userAgent
    }
}
