import Synchronization

/// A point where the fake holds an answer until the test opens it: the test waits for the request to
/// arrive (an event, not a guess at how long the client takes), acts while the client waits for its
/// answer, then lets the answer go.
public final class FakeGate: Sendable, Equatable {
    private struct State {
        var arrivals = 0
        var open = false
        var arrivalWaiters: [CheckedContinuation<Void, Never>] = []
        var openWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Returns once a request has reached the gate.
    public func reached() async {
        await withCheckedContinuation { continuation in
            let arrived = state.withLock { state in
                if state.arrivals > 0 { return true }
                state.arrivalWaiters.append(continuation)
                return false
            }
            if arrived { continuation.resume() }
        }
    }

    /// Lets every held answer go, and every later one through at once.
    public func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.openWaiters = [] }
            return state.openWaiters
        }
        waiters.forEach { $0.resume() }
    }

    /// How many requests reached the gate.
    public var arrivals: Int { state.withLock { $0.arrivals } }

    /// Called by the fake with an answer ready: announces the arrival and waits until the gate opens.
    func hold() async {
        let arrivalWaiters = state.withLock { state in
            state.arrivals += 1
            defer { state.arrivalWaiters = [] }
            return state.arrivalWaiters
        }
        arrivalWaiters.forEach { $0.resume() }
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if state.open { return true }
                state.openWaiters.append(continuation)
                return false
            }
            if isOpen { continuation.resume() }
        }
    }

    public static func == (lhs: FakeGate, rhs: FakeGate) -> Bool { lhs === rhs }
}
