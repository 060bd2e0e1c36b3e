import Foundation
import SyncEngine

/// Which of the services a cycle needs (Kapso, the git server) are out, since when, and what changed
/// with the last cycle: a pure record, so that the journal says "down" once when an outage starts and
/// "back" once when it ends, however many cycles fail in between.
public struct ServiceAvailability: Sendable, Equatable {
    public struct Outage: Sendable, Equatable {
        public var since: Date
        public var failedCycles: Int
        public var lastError: String
    }

    public enum Change: Sendable, Equatable {
        case wentDown(UnavailableService, error: String)
        case cameBack(UnavailableService, downFor: TimeInterval, failedCycles: Int)
    }

    public private(set) var outages: [UnavailableService: Outage] = [:]

    public init() {}

    public func isUp(_ service: UnavailableService) -> Bool { outages[service] == nil }

    /// A cycle that ended: `failure` is nil when it completed. A completed cycle reached every service
    /// it needs; a failed one marks the service it could not reach and leaves the others as they were
    /// (it may have stopped before it tried them).
    public mutating func record(failure: SyncError?, at date: Date) -> [Change] {
        guard let failure else {
            let changes = outages.sorted { $0.key < $1.key }.map { service, outage in
                Change.cameBack(service, downFor: date.timeIntervalSince(outage.since), failedCycles: outage.failedCycles)
            }
            outages = [:]
            return changes
        }
        guard let service = failure.unavailableService else { return [] }
        if var outage = outages[service] {
            outage.failedCycles += 1
            outage.lastError = failure.description
            outages[service] = outage
            return []
        }
        outages[service] = Outage(since: date, failedCycles: 1, lastError: failure.description)
        return [.wentDown(service, error: failure.description)]
    }

    /// One line per outage, for `/readyz`, `/status` and `systemctl status`.
    public var summary: String? {
        guard !outages.isEmpty else { return nil }
        return outages.sorted { $0.key < $1.key }.map { service, outage in
            let since = outage.since.formatted(.iso8601)
            return "\(service.displayName) unreachable since \(since) (\(outage.failedCycles) cycles)"
        }.joined(separator: "; ")
    }
}
