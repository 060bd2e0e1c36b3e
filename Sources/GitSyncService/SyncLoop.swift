import Foundation
import GitSyncConfig
import Logging
import ServiceLifecycle
import SyncEngine
import Synchronization

/// The service's heart: one cycle at a time, on the schedule and on demand, until a graceful shutdown
/// (the running cycle finishes, or stops before its first write) or until a failure budget, when one is
/// set, is spent. A failed cycle is normal for a poller: by default the loop retries with backoff for
/// as long as an outage lasts.
public final class SyncLoop: Service, Sendable {
    public struct FailureBudgetExhausted: Error, CustomStringConvertible {
        public let failures: Int
        public let lastError: String
        public var description: String {
            "\(failures) cycles failed in a row (sync.max_consecutive_failures); last error: \(lastError)"
        }
    }

    let engine: SyncEngine
    let settings: ServiceSettings
    let state: ServiceState
    let trigger: CycleTrigger
    let metrics: ServiceMetrics
    let notifier: SystemdNotifier
    let logger: Logger
    let unitRandom: @Sendable () -> Double
    private let stopRequested = Atomic<Bool>(false)
    /// The running cycle's stop, so that a SIGTERM cancels what it is still reading.
    private let currentStop = Mutex<CycleStop?>(nil)

    public init(
        engine: SyncEngine, settings: ServiceSettings, state: ServiceState, trigger: CycleTrigger, metrics: ServiceMetrics,
        notifier: SystemdNotifier, logger: Logger, unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.engine = engine
        self.settings = settings
        self.state = state
        self.trigger = trigger
        self.metrics = metrics
        self.notifier = notifier
        self.logger = logger
        self.unitRandom = unitRandom
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            // Cancelled (another service of the group failed): no new cycle starts, and the running one is
            // cancelled with this task wherever it is, as safe as a crash (its intents are on file).
            try await withTaskCancellationHandler {
                try await loop()
            } onCancel: { [self] in
                requestStop()
            }
        } onGracefulShutdown: { [self] in
            requestStop()
        }
    }

    /// On a graceful shutdown (and on cancellation): a cycle that only reads stops at once; on a graceful
    /// shutdown, one already writing runs to its end.
    func requestStop() {
        guard !stopRequested.exchange(true, ordering: .sequentiallyConsistent) else { return }
        currentStop.withLock { $0 }?.request()
        state.stopRequested()
        let running = state.snapshot.cycleStartedAt != nil
        logger.notice(running ? "stopping after the running cycle" : "stopping")
        notifier.stopping(status: running ? "stopping: finishing the running cycle" : "stopping")
        trigger.stop()
    }

    private func loop() async throws {
        var schedule = CycleSchedule(settings: settings)
        notifier.ready(status: settings.suspend ? "started, suspended: the first cycle only plans" : "started, first cycle running")
        logger.notice(
            "service started",
            metadata: [
                "gitsync.interval_seconds": "\(settings.intervalSeconds)", "gitsync.suspended": "\(settings.suspend)",
                "gitsync.status_listen": "\(settings.listen?.description ?? "off")",
            ])
        var reason = "start-up"
        while !stopRequested.load(ordering: .sequentiallyConsistent) {
            let ending = await runCycle(reason: reason)
            if stopRequested.load(ordering: .sequentiallyConsistent) { break }
            switch ending {
            case .completed: schedule.recordSuccess()
            case .retry: schedule.recordRetry()
            case .failed: schedule.recordFailure()
            }
            if schedule.failureBudgetExhausted {
                let error = FailureBudgetExhausted(failures: schedule.consecutiveFailures, lastError: state.snapshot.lastError ?? "unknown")
                logger.critical("giving up so that systemd restarts the service", metadata: ["gitsync.reason": "\(error)"])
                notifier.status("exiting: \(error)")
                throw error
            }
            let delay = schedule.nextDelaySeconds(unitRandom: unitRandom())
            state.scheduled(at: Date().addingTimeInterval(delay))
            switch await trigger.wait(timeout: .milliseconds(Int64(delay * 1000))) {
            case .stop: return
            case .timer: reason = ending == .retry ? "retry: the branch moved during the last cycle" : "schedule"
            case .request(let why, let count): reason = count > 1 ? "\(why) (and \(count - 1) more requests)" : why
            }
        }
    }

    /// How a cycle ended, for the schedule. A stop counts as completed: the loop ends right after it.
    enum CycleEnding: Equatable {
        case completed, retry, failed
    }

    /// Runs one cycle and reports it everywhere.
    private func runCycle(reason: String) async -> CycleEnding {
        state.cycleStarted(reason: reason)
        logger.info("cycle starting", metadata: ["gitsync.trigger": "\(reason)"])
        let started = ContinuousClock.now
        let suspend = settings.suspend
        let stop = CycleStop()
        currentStop.withLock { $0 = stop }
        defer { currentStop.withLock { $0 = nil } }
        if stopRequested.load(ordering: .sequentiallyConsistent) { stop.request() }
        let engine = self.engine
        // The cycle and a watcher of its stop, in one group: a stop while the cycle only reads cancels
        // it through the group; a cycle that ends first ends the watcher.
        let outcome = await withTaskGroup(of: Result<CycleReport, SyncError>?.self) { group in
            group.addTask {
                do {
                    let report = try await engine.runCycle(dryRun: suspend, statusOfDryRun: true, stop: stop)
                    // Part of this cycle's work, so that the next, if nothing changes, is cheap.
                    engine.prepareNextCycle()
                    return .success(report)
                } catch {
                    return .failure(error as? SyncError ?? .state("\(error)"))
                }
            }
            group.addTask {
                await stop.untilCancelling()
                return nil
            }
            var outcome: Result<CycleReport, SyncError> = .failure(.stopped)
            while let next = await group.next() {
                group.cancelAll()
                if let next {
                    outcome = next
                    break
                }
            }
            return outcome
        }
        do throws(SyncError) {
            let report = try outcome.get()
            let result = suspend ? "suspended" : report.needsAttention ? "attention" : "success"
            finish(result: result, failure: nil, started: started, report: report)
            log(report, result: result, duration: ContinuousClock.now - started)
            return .completed
        } catch .stopped {
            finish(result: "stopped", failure: .stopped, started: started, report: nil)
            logger.notice("cycle stopped before writing anything")
            return .completed
        } catch let error where error.isRetry {
            finish(result: "retry", failure: error, started: started, report: nil)
            logger.notice("the branch kept moving during the cycle; the next cycle starts soon", metadata: ["gitsync.detail": "\(error)"])
            return .retry
        } catch {
            finish(result: "error", failure: error, started: started, report: nil)
            logger.error("cycle failed", metadata: ["gitsync.error": "\(error.description)", "gitsync.kind": "\(error.metricLabel)"])
            return .failed
        }
    }

    private func finish(result: String, failure: SyncError?, started: ContinuousClock.Instant, report: CycleReport?) {
        let status = engine.lastStatus
        let changes = state.cycleEnded(result: result, failure: failure, status: status)
        for change in changes { log(change) }
        let snapshot = state.snapshot
        metrics.cycleFinished(
            result: result, duration: ContinuousClock.now - started, report: report, status: status,
            consecutiveFailures: snapshot.consecutiveFailures, availability: snapshot.availability)
        var line = Self.statusLine(result: result, error: snapshot.lastError, report: report, failures: snapshot.consecutiveFailures)
        if let outage = snapshot.availability.summary { line += " (\(outage))" }
        notifier.status(line)
    }

    /// The start and the end of an outage, once each, however many cycles fail in between.
    private func log(_ change: ServiceAvailability.Change) {
        switch change {
        case .wentDown(let service, let error):
            logger.error(
                "\(service.displayName) is unreachable; retrying with backoff until it answers",
                metadata: ["gitsync.service": "\(service.rawValue)", "gitsync.error": "\(error)"])
        case .cameBack(let service, let downFor, let failedCycles):
            logger.notice(
                "\(service.displayName) is reachable again after \(Int(downFor.rounded())) s and \(failedCycles) failed cycles",
                metadata: ["gitsync.service": "\(service.rawValue)"])
        }
    }

    /// What `systemctl status` shows on its Status: line.
    static func statusLine(result: String, error: String?, report: CycleReport?, failures: Int) -> String {
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
        switch result {
        case "error":
            return "last cycle failed at \(time) (\(failures) in a row): \(error ?? "unknown error")"
        case "stopped":
            return "stopping"
        case "retry":
            return "the branch moved during the cycle at \(time); running it again"
        default:
            guard let report else { return "last cycle \(result) at \(time)" }
            var parts = ["\(report.listed) workflows"]
            let verb = result == "suspended" ? "pending" : "done"
            if !report.pulled.isEmpty { parts.append("\(report.pulled.count) pulled (\(verb))") }
            if !report.pushed.isEmpty || !report.created.isEmpty {
                parts.append("\(report.pushed.count + report.created.count) pushed (\(verb))")
            }
            if !report.merged.isEmpty { parts.append("\(report.merged.count) merged (\(verb))") }
            if !report.conflicts.isEmpty { parts.append("\(report.conflicts.count) in conflict") }
            if !report.invalid.isEmpty { parts.append("\(report.invalid.count) invalid") }
            if !report.failures.isEmpty { parts.append("\(report.failures.count) unreadable") }
            return "last cycle \(result) at \(time): " + parts.joined(separator: ", ")
        }
    }

    private func log(_ report: CycleReport, result: String, duration: Duration) {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        logger.log(
            level: result == "attention" ? .warning : .info, "cycle finished",
            metadata: [
                "gitsync.cycle_id": "\(report.cycleID)", "gitsync.result": "\(result)", "gitsync.duration_ms": "\(milliseconds)",
                "gitsync.listed": "\(report.listed)", "gitsync.pulled": "\(report.pulled.count)",
                "gitsync.pushed": "\(report.pushed.count + report.created.count)", "gitsync.merged": "\(report.merged.count)",
                "gitsync.conflicts": "\(report.conflicts.count)",
                "gitsync.requests": "\(report.requests)", "gitsync.commit": "\(report.commit?.short ?? "none")",
            ])
        for line in report.summaryLines().dropFirst() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            logger.info("\(words)", metadata: ["gitsync.cycle_id": "\(report.cycleID)"])
        }
    }
}
