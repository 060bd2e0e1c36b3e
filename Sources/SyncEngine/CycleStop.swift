import Synchronization

/// Stops a running cycle: at once while it only reads (what it is waiting for is cancelled), never
/// once it has begun to write, so a stop leaves nothing half-written. The two are decided under one
/// lock, so a stop and the first write cannot cross.
public final class CycleStop: Sendable {
    private struct State {
        var requested = false
        var writing = false
        var cancel: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    public init() {}

    public var isRequested: Bool { state.withLock { $0.requested } }

    public func request() {
        let cancel = state.withLock { state -> (@Sendable () -> Void)? in
            state.requested = true
            return state.writing ? nil : state.cancel
        }
        cancel?()
    }

    /// Returns when the cycle's reads are to be cancelled (a stop came while it only reads), or when
    /// the calling task is cancelled: the cycle's runner waits for it beside the cycle, in one task
    /// group, and cancels the cycle when it returns first.
    public func untilCancelling() async {
        let signal = OneShot()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                signal.wait(continuation)
                onCancel { signal.fire() }
            }
        } onCancel: {
            signal.fire()
        }
    }

    /// What cancels the cycle's reads; called at once if a stop came first.
    func onCancel(_ cancel: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            state.cancel = cancel
            return state.requested && !state.writing
        }
        if now { cancel() }
    }

    /// The engine asks before its first write: false when a stop came first. Once writing, the answer
    /// stays yes (a second round after a refused push finishes what the first began).
    func beginWrites() -> Bool {
        state.withLock { state in
            if state.writing { return true }
            if state.requested { return false }
            state.writing = true
            return true
        }
    }
}

/// Resumes one waiting continuation exactly once, whichever of its signals comes first, and whether it
/// comes before the wait or after.
private final class OneShot: Sendable {
    private let state = Mutex<(waiting: CheckedContinuation<Void, Never>?, fired: Bool)>((nil, false))

    func wait(_ continuation: CheckedContinuation<Void, Never>) {
        let firedAlready = state.withLock { state -> Bool in
            if state.fired { return true }
            state.waiting = continuation
            return false
        }
        if firedAlready { continuation.resume() }
    }

    func fire() {
        let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume()
    }
}
