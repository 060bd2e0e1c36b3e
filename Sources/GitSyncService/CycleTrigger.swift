import Synchronization

/// Wakes the service loop: for the timer, for an on-demand request (SIGHUP, `POST /sync`, a webhook) or
/// to stop. Requests coalesce: any number of them while a cycle runs make exactly one more cycle.
public final class CycleTrigger: Sendable {
    public enum Wake: Sendable, Equatable {
        case timer
        /// The reason of the first request since the last wake, and how many came.
        case request(String, count: Int)
        case stop
    }

    private struct State {
        var pending: (reason: String, count: Int)?
        var waiter: CheckedContinuation<Wake, Never>?
        var stopped = false
        /// Those waiting for a waiter (`untilWaiting`).
        var observers: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let clock: any Clock<Duration>

    /// `clock` times the waits: the system's, or a test's that moves only when told.
    public init(clock: any Clock<Duration> = ContinuousClock()) {
        self.clock = clock
    }

    /// Returns once a `wait` is waiting for a request: for an observer that must not race the waiter.
    public func untilWaiting() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = state.withLock { state -> Bool in
                if state.waiter != nil { return true }
                state.observers.append(continuation)
                return false
            }
            if waiting { continuation.resume() }
        }
    }

    public func request(_ reason: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = state.pending.map { ($0.reason, $0.count + 1) } ?? (reason, 1)
            return nil
        }
        waiter?.resume(returning: .request(reason, count: 1))
    }

    public func stop() {
        let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
            state.stopped = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .stop)
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Returns at the first of: a request (at once if one is pending), the timeout, a stop.
    public func wait(timeout: Duration) async -> Wake {
        await withTaskGroup(of: Wake.self) { group in
            group.addTask { await self.nextRequest() }
            group.addTask {
                do {
                    try await self.clock.sleep(for: timeout)
                    return .timer
                } catch {
                    return .timer
                }
            }
            var wakes = [await group.next() ?? .timer]
            group.cancelAll()
            // Both children end now; a request taken in the same instant as the timer must not be lost.
            while let wake = await group.next() { wakes.append(wake) }
            return wakes.first(where: { $0 == .stop }) ?? wakes.first(where: { $0 != .timer }) ?? .timer
        }
    }

    private func nextRequest() async -> Wake {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                let immediate = state.withLock { state -> Wake? in
                    if state.stopped { return .stop }
                    if let pending = state.pending {
                        state.pending = nil
                        return .request(pending.reason, count: pending.count)
                    }
                    if Task.isCancelled { return .timer }
                    state.waiter = continuation
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                } else {
                    state.withLock { state in
                        defer { state.observers = [] }
                        return state.observers
                    }.forEach { $0.resume() }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Wake, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: .timer)
        }
    }
}
