import Foundation
import KapsoModels
import Prometheus
import SyncEngine

/// The service's Prometheus metrics, in a registry of its own (no global state), exposed on `/metrics`.
public final class ServiceMetrics: Sendable {
    static let workflowStates = [
        "in_sync", "conflict", "invalid", "error", "deleted_in_git", "missing_in_kapso", "pending_pull", "pending_push",
        "pending_create", "pending_archive", "pending_removal",
    ]
    static let cycleBuckets: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600].map { .milliseconds(Int($0 * 1000)) }

    let registry = PrometheusCollectorRegistry()
    private let cycleDuration: DurationHistogram
    private let lastSuccess: Gauge
    private let consecutiveFailures: Gauge
    private let conflicts: Gauge
    private let workflowsInError: Gauge
    private let suspended: Gauge
    private let rateLimitWaits: Counter
    private let rateLimitWaitSeconds: Counter
    private let commits: Counter
    private let pushes: Counter
    private let pulls: Counter
    private let creations: Counter
    private let merges: Counter

    public func setSuspended(_ isSuspended: Bool) {
        suspended.set(to: isSuspended ? 1.0 : 0.0)
    }

    public init(suspended isSuspended: Bool) {
        cycleDuration = registry.makeDurationHistogram(
            descriptor: Self.name("cycle_duration", unit: "seconds", help: "Duration of sync cycles."), buckets: Self.cycleBuckets)
        lastSuccess = registry.makeGauge(
            descriptor: Self.name(
                "last_success_timestamp", unit: "seconds",
                help: "Unix time of the last cycle that synced every workflow it meant to (0: none yet)."))
        consecutiveFailures = registry.makeGauge(
            descriptor: Self.name("consecutive_failures", unit: "", help: "Cycles failed in a row (0 after a success)."))
        conflicts = registry.makeGauge(descriptor: Self.name("conflicts", unit: "", help: "Workflows in conflict after the last cycle."))
        workflowsInError = registry.makeGauge(
            descriptor: Self.name(
                "workflows_in_error", unit: "",
                help: "Workflows the last completed cycle could not read from Kapso or write to Kapso or git."))
        suspended = registry.makeGauge(descriptor: Self.name("suspended", unit: "", help: "1 when sync.suspend holds all writes back."))
        rateLimitWaits = registry.makeCounter(
            descriptor: Self.name("rate_limit_waits", unit: "total", help: "Requests held back by the client-side rate limit."), labels: [])
        rateLimitWaitSeconds = registry.makeCounter(
            descriptor: Self.name("rate_limit_wait", unit: "seconds_total", help: "Time spent waiting for the client-side rate limit."),
            labels: [])
        commits = registry.makeCounter(descriptor: Self.name("commits", unit: "total", help: "Commits written to the branch."), labels: [])
        pushes = registry.makeCounter(
            descriptor: Self.name("pushes", unit: "total", help: "Workflows written to Kapso from git (updates and creations)."), labels: []
        )
        pulls = registry.makeCounter(
            descriptor: Self.name("pulls", unit: "total", help: "Workflows pulled from Kapso into git."), labels: [])
        creations = registry.makeCounter(
            descriptor: Self.name("creations", unit: "total", help: "Workflows created in Kapso from new folders in git."), labels: [])
        merges = registry.makeCounter(
            descriptor: Self.name("merges", unit: "total", help: "Workflows changed on both sides whose edits were merged and pushed."),
            labels: [])
        suspended.set(to: isSuspended ? 1.0 : 0.0)
        for result in ["success", "attention", "suspended", "retry", "error"] { _ = cycles(result) }
        for state in Self.workflowStates { workflows(state).set(to: 0.0) }
        for service in UnavailableService.allCases { reachable(service).set(to: 1.0) }
    }

    /// What the state directory says of earlier runs, so that a restart does not make the last success
    /// look like "never" (and fire an alert) before the first cycle ends.
    public func restore(from status: StatusFile?) {
        guard let status else { return }
        if let time = status.lastSuccessAt { lastSuccess.set(to: time) }
        record(status)
    }

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "kapso_gitsync", metricName: metric, unitName: unit, helpText: help)
    }

    private func cycles(_ result: String) -> Counter {
        registry.makeCounter(descriptor: Self.name("cycles", unit: "total", help: "Sync cycles by result."), labels: [("result", result)])
    }

    private func reachable(_ service: UnavailableService) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name(
                "reachable", unit: "", help: "0 while the last cycles could not reach this service (kapso, git_server), else 1."),
            labels: [("service", service.rawValue)])
    }

    private func workflows(_ state: String) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("workflows", unit: "", help: "Workflows by state after the last cycle."), labels: [("state", state)])
    }

    /// Called by the Kapso client for every answer, retry and rate-limit wait.
    public func record(_ event: KapsoClientEvent) {
        switch event {
        case .response(let endpoint, let status, _):
            let (method, path) = Self.split(endpoint)
            registry.makeCounter(
                descriptor: Self.name("api_requests", unit: "total", help: "Kapso API requests by endpoint and status (none: no answer)."),
                labels: [("method", method), ("endpoint", path), ("status", status.map(String.init) ?? "none")]
            ).increment()
        case .retry(let endpoint, _, _, _):
            let (method, path) = Self.split(endpoint)
            registry.makeCounter(
                descriptor: Self.name("api_retries", unit: "total", help: "Kapso API requests retried, by endpoint."),
                labels: [("method", method), ("endpoint", path)]
            ).increment()
        case .rateLimitWait(let duration):
            rateLimitWaits.increment()
            rateLimitWaitSeconds.increment(by: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
    }

    func cycleFinished(
        result: String, duration: Duration, report: CycleReport?, status: StatusFile?, consecutiveFailures failures: Int,
        availability: ServiceAvailability
    ) {
        cycles(result).increment()
        cycleDuration.record(duration)
        consecutiveFailures.set(to: Double(failures))
        for service in UnavailableService.allCases { reachable(service).set(to: availability.isUp(service) ? 1.0 : 0.0) }
        if let report, !report.dryRun {
            if report.commit != nil { commits.increment() }
            pushes.increment(by: Int64(report.pushed.count + report.created.count + report.merged.count))
            merges.increment(by: Int64(report.merged.count))
            creations.increment(by: Int64(report.created.count))
            pulls.increment(by: Int64(report.pulled.count))
        }
        // The engine decides what a success is (every workflow synced) and records it in the status.
        if report != nil, let time = status?.lastSuccessAt { lastSuccess.set(to: time) }
        if let status { record(status) }
    }

    private func record(_ status: StatusFile) {
        var counts: [String: Int] = [:]
        for workflow in status.workflows { counts[workflow.state, default: 0] += 1 }
        for state in Set(Self.workflowStates).union(counts.keys) { workflows(state).set(to: Double(counts[state] ?? 0)) }
        conflicts.set(to: Double(counts["conflict"] ?? 0))
        workflowsInError.set(to: Double(counts["error"] ?? 0))
    }

    public func exposition() -> String {
        registry.emitToString()
    }

    /// `GET /workflows/{id}` → (`GET`, `/workflows/{id}`).
    static func split(_ endpoint: String) -> (String, String) {
        guard let space = endpoint.firstIndex(of: " ") else { return ("", endpoint) }
        return (String(endpoint[..<space]), String(endpoint[endpoint.index(after: space)...]))
    }
}
