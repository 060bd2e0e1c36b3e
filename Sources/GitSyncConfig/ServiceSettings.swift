import Foundation

/// How `kapso-gitsync run` schedules cycles, reports and logs. Only the service reads these.
public struct ServiceSettings: Sendable, Equatable {
    public enum LogFormat: String, Sendable, CaseIterable {
        /// journald priority prefixes when standard error is the journal, text otherwise.
        case auto
        case text
        case json
        case journal
    }

    public static let defaultListen = "127.0.0.1:9464"
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public var intervalSeconds: Int
    public var jitterPercent: Int
    public var retrySeconds: Int
    public var maxBackoffSeconds: Int
    /// After this many failed cycles in a row the process exits 1, so systemd restarts it; 0 (the
    /// default): never, the loop retries with backoff until Kapso and the git server answer again.
    public var maxConsecutiveFailures: Int
    /// A cycle running longer than this counts as stuck: `/healthz` fails and the watchdog stops.
    public var cycleTimeoutSeconds: Int
    /// Cycles only plan: nothing is written to git or Kapso, the status still tells what is pending.
    public var suspend: Bool
    /// nil: no status server.
    public var listen: ListenAddress?
    public var unreadyAfterFailures: Int
    public var githubSecretFile: String?
    public var gitlabTokenFile: String?
    /// nil: the webhooks are served by the status server. Else their own listener, which serves nothing
    /// else, for a proxy that exposes the webhooks without `/status` and `POST /sync`.
    public var webhooksListen: ListenAddress?
    public var logLevel: String
    public var logFormat: LogFormat

    public init(
        intervalSeconds: Int = 60, jitterPercent: Int = 10, retrySeconds: Int = 5, maxBackoffSeconds: Int = 600,
        maxConsecutiveFailures: Int = 0, cycleTimeoutSeconds: Int = 1800, suspend: Bool = false,
        listen: ListenAddress? = ListenAddress(defaultListen), unreadyAfterFailures: Int = 3, githubSecretFile: String? = nil,
        gitlabTokenFile: String? = nil, webhooksListen: ListenAddress? = nil, logLevel: String = "info", logFormat: LogFormat = .auto
    ) {
        self.intervalSeconds = intervalSeconds
        self.jitterPercent = jitterPercent
        self.retrySeconds = retrySeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.cycleTimeoutSeconds = cycleTimeoutSeconds
        self.suspend = suspend
        self.listen = listen
        self.unreadyAfterFailures = unreadyAfterFailures
        self.githubSecretFile = githubSecretFile
        self.gitlabTokenFile = gitlabTokenFile
        self.webhooksListen = webhooksListen
        self.logLevel = logLevel
        self.logFormat = logFormat
    }

    /// The GitHub webhook secret and the GitLab webhook token, each from its systemd credential
    /// (`github-webhook-secret`, `gitlab-webhook-token`) or its configured file; nil: that webhook is off.
    public func webhookSecrets(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> (github: String?, gitlab: String?) {
        (
            try SecretFile.resolve(
                credential: "github-webhook-secret", file: githubSecretFile, key: "webhooks.github_secret_file", environment: environment),
            try SecretFile.resolve(
                credential: "gitlab-webhook-token", file: gitlabTokenFile, key: "webhooks.gitlab_token_file", environment: environment)
        )
    }

    /// The shipped units restart the process 10 s after it exits and give up after 5 starts in 10
    /// minutes. A failure budget spent faster than about 110 s (its failures come `retry_seconds` apart
    /// until a first success) would make an outage of ten minutes leave the unit failed for good.
    public var failureBudgetWarning: String? {
        guard maxConsecutiveFailures > 0 else { return nil }
        let shortest = Double(maxConsecutiveFailures * retrySeconds) * (1 - Double(jitterPercent) / 100)
        guard shortest < Self.shortestBudgetUnderSystemd else { return nil }
        return "sync.max_consecutive_failures \(maxConsecutiveFailures) with sync.retry_seconds \(retrySeconds) exits after about "
            + "\(Int(shortest)) s of failures: under the shipped units (RestartSec=10s, 5 starts in 10 minutes) an outage of "
            + "ten minutes leaves the unit failed until someone restarts it. Use 0 (retry until the outage ends) or a budget "
            + "that lasts at least \(Int(Self.shortestBudgetUnderSystemd)) s"
    }

    static let shortestBudgetUnderSystemd = 110.0

    var redactedDescription: [String] {
        [
            "sync.interval_seconds: \(intervalSeconds)",
            "sync.jitter_percent: \(jitterPercent)",
            "sync.retry_seconds: \(retrySeconds)",
            "sync.max_backoff_seconds: \(maxBackoffSeconds)",
            "sync.max_consecutive_failures: \(maxConsecutiveFailures)",
            "sync.cycle_timeout_seconds: \(cycleTimeoutSeconds)",
            "sync.suspend: \(suspend)",
            "status.listen: \(listen?.description ?? "off")",
            "status.unready_after_failures: \(unreadyAfterFailures)",
            "webhooks.github_secret_file: \(githubSecretFile ?? "(none)")",
            "webhooks.gitlab_token_file: \(gitlabTokenFile ?? "(none)")",
            "webhooks.listen: \(webhooksListen?.description ?? "off (served by status.listen)")",
            "log.level: \(logLevel)",
            "log.format: \(logFormat.rawValue)",
        ]
    }
}
