import GitSyncConfig

/// When the next cycle runs: every interval while cycles succeed; a short fixed retry until the first
/// success (start-up against a Kapso that is not reachable yet); exponential backoff after that while
/// cycles fail; all with jitter, so that many instances do not call Kapso in step. A cycle that only
/// has to start again (the branch moved under it) waits the short retry and counts as neither. Pure:
/// the caller gives the random number.
public struct CycleSchedule: Sendable, Equatable {
    public let intervalSeconds: Double
    public let jitterFraction: Double
    public let retrySeconds: Double
    public let maxBackoffSeconds: Double
    /// 0: never give up.
    public let maxConsecutiveFailures: Int
    public private(set) var hasSucceeded = false
    public private(set) var consecutiveFailures = 0
    public private(set) var retryPending = false

    public init(settings: ServiceSettings) {
        self.init(
            intervalSeconds: Double(settings.intervalSeconds), jitterPercent: settings.jitterPercent,
            retrySeconds: Double(settings.retrySeconds), maxBackoffSeconds: Double(settings.maxBackoffSeconds),
            maxConsecutiveFailures: settings.maxConsecutiveFailures)
    }

    public init(
        intervalSeconds: Double, jitterPercent: Int, retrySeconds: Double, maxBackoffSeconds: Double, maxConsecutiveFailures: Int
    ) {
        self.intervalSeconds = intervalSeconds
        self.jitterFraction = Double(jitterPercent) / 100
        self.retrySeconds = retrySeconds
        self.maxBackoffSeconds = maxBackoffSeconds
        self.maxConsecutiveFailures = maxConsecutiveFailures
    }

    public mutating func recordSuccess() {
        hasSucceeded = true
        consecutiveFailures = 0
        retryPending = false
    }

    public mutating func recordFailure() {
        consecutiveFailures += 1
        retryPending = false
    }

    /// The cycle has to run again (someone pushed while it ran): soon, and without spending the budget.
    public mutating func recordRetry() {
        retryPending = true
    }

    /// The process should exit non-zero so that systemd restarts it (and counts the restarts).
    public var failureBudgetExhausted: Bool {
        maxConsecutiveFailures > 0 && consecutiveFailures >= maxConsecutiveFailures
    }

    /// The delay before jitter.
    public var baseDelaySeconds: Double {
        if retryPending { return retrySeconds }
        guard consecutiveFailures > 0 else { return intervalSeconds }
        guard hasSucceeded else { return retrySeconds }
        let exponent = Double(min(consecutiveFailures - 1, 30))
        return min(retrySeconds * pow2(exponent), maxBackoffSeconds)
    }

    /// `unitRandom` in 0..<1 spreads the delay evenly over ± the jitter fraction.
    public func nextDelaySeconds(unitRandom: Double) -> Double {
        baseDelaySeconds * (1 + jitterFraction * (2 * unitRandom - 1))
    }

    private func pow2(_ exponent: Double) -> Double {
        Double(sign: .plus, exponent: Int(exponent), significand: 1)
    }
}
