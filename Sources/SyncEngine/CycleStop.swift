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

    /// What cancels the cycle's reads (the task running it); called at once if a stop came first.
    public func onCancel(_ cancel: @escaping @Sendable () -> Void) {
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
