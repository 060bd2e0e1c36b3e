import Foundation
import SyncEngine
import Synchronization

/// What the loop is doing and how the last cycles went, shared with the status server and the watchdog.
public final class ServiceState: Sendable {
    public struct Snapshot: Sendable {
        public var startedAt: Date
        public var suspended: Bool
        public var cycleStartedAt: Date?
        public var cycleReason: String?
        public var nextCycleAt: Date?
        public var cyclesRun = 0
        public var hasSucceeded = false
        public var consecutiveFailures = 0
        public var lastResult: String?
        public var lastError: String?
        public var lastCycleEndedAt: Date?
        public var stopping = false
        /// Whether Kapso and the git server answered the last cycles that needed them.
        public var availability = ServiceAvailability()
        /// As written to the state directory after the last cycle (or found there at start-up).
        public var status: StatusFile?
    }

    private let snapshotValue: Mutex<Snapshot>
    public let cycleTimeout: TimeInterval
    public let unreadyAfterFailures: Int

    public init(startedAt: Date = Date(), suspended: Bool, cycleTimeout: TimeInterval, unreadyAfterFailures: Int, status: StatusFile?) {
        snapshotValue = Mutex(Snapshot(startedAt: startedAt, suspended: suspended, status: status))
        self.cycleTimeout = cycleTimeout
        self.unreadyAfterFailures = unreadyAfterFailures
    }

    public var snapshot: Snapshot { snapshotValue.withLock { $0 } }

    public func cycleStarted(reason: String, at date: Date = Date()) {
        snapshotValue.withLock {
            $0.cycleStartedAt = date
            $0.cycleReason = reason
            $0.nextCycleAt = nil
        }
    }

    /// Records a cycle's end: `failure` nil for a cycle that completed. A stop, or a branch that moved
    /// under every round of the cycle, counts neither as a success nor as a failure. Answers what changed
    /// in the availability of Kapso and the git server, for the journal.
    @discardableResult
    public func cycleEnded(
        result: String, failure: SyncError?, status: StatusFile?, at date: Date = Date()
    )
        -> [ServiceAvailability.Change]
    {
        snapshotValue.withLock {
            $0.cycleStartedAt = nil
            $0.cycleReason = nil
            $0.cyclesRun += 1
            $0.lastResult = result
            $0.lastCycleEndedAt = date
            if let status { $0.status = status }
            switch failure {
            case nil:
                $0.consecutiveFailures = 0
                $0.hasSucceeded = true
                $0.lastError = nil
                return $0.availability.record(failure: nil, at: date)
            case let failure? where failure.isRetry:
                return $0.availability.record(failure: nil, at: date)
            case let failure? where failure.isFailure:
                $0.consecutiveFailures += 1
                $0.lastError = failure.description
                return $0.availability.record(failure: failure, at: date)
            default:
                return []
            }
        }
    }

    func scheduled(at date: Date) {
        snapshotValue.withLock { $0.nextCycleAt = date }
    }

    func stopRequested() {
        snapshotValue.withLock { $0.stopping = true }
    }

    /// The loop is alive unless a cycle has been running for longer than the cycle timeout.
    public func liveness(now: Date = Date()) -> (alive: Bool, detail: String) {
        let snapshot = snapshot
        guard let started = snapshot.cycleStartedAt else { return (true, "alive: waiting for the next cycle") }
        let running = now.timeIntervalSince(started)
        if running > cycleTimeout {
            return (false, "stuck: a cycle has been running for \(Int(running)) s (sync.cycle_timeout_seconds is \(Int(cycleTimeout)))")
        }
        return (true, "alive: a cycle is running (\(Int(running)) s)")
    }

    /// Ready after the first successful cycle, and no longer once the last `unreadyAfterFailures` failed;
    /// the reason names an outage of Kapso or the git server when that is why.
    public func readiness() -> (ready: Bool, detail: String) {
        let snapshot = snapshot
        let outage = snapshot.availability.summary.map { "; \($0)" } ?? ""
        guard snapshot.hasSucceeded else {
            return (false, "not ready: no successful cycle yet" + outage + (snapshot.lastError.map { "; last error: \($0)" } ?? ""))
        }
        if snapshot.consecutiveFailures >= unreadyAfterFailures {
            return (
                false,
                "not ready: the last \(snapshot.consecutiveFailures) cycles failed\(outage); last error: \(snapshot.lastError ?? "unknown")"
            )
        }
        return (true, "ready")
    }
}
