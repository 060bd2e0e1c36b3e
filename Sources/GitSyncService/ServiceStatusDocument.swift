import Foundation
import SyncEngine

/// What `GET /status` answers and `kapso-gitsync status` reads: the service's own state, and the last
/// cycle's status (every workflow with its state), the same as `status.json` in the state directory.
public struct ServiceStatusDocument: Codable, Sendable {
    public struct Service: Codable, Sendable {
        public var pid: Int32
        public var startedAt: Double
        public var alive: Bool
        public var ready: Bool
        public var readiness: String
        public var suspended: Bool
        public var stopping: Bool
        public var cycleRunning: Bool
        public var cycleStartedAt: Double?
        public var cycleTrigger: String?
        public var nextCycleAt: Double?
        public var cyclesRun: Int
        public var consecutiveFailures: Int
        public var lastResult: String?
        public var lastError: String?
    }

    public var service: Service
    public var status: StatusFile?

    public init(state: ServiceState, now: Date = Date()) {
        let snapshot = state.snapshot
        let readiness = state.readiness()
        service = Service(
            pid: getpid(), startedAt: snapshot.startedAt.timeIntervalSince1970, alive: state.liveness(now: now).alive,
            ready: readiness.ready, readiness: readiness.detail, suspended: snapshot.suspended, stopping: snapshot.stopping,
            cycleRunning: snapshot.cycleStartedAt != nil, cycleStartedAt: snapshot.cycleStartedAt?.timeIntervalSince1970,
            cycleTrigger: snapshot.cycleReason, nextCycleAt: snapshot.nextCycleAt?.timeIntervalSince1970, cyclesRun: snapshot.cyclesRun,
            consecutiveFailures: snapshot.consecutiveFailures, lastResult: snapshot.lastResult, lastError: snapshot.lastError)
        status = snapshot.status
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}
