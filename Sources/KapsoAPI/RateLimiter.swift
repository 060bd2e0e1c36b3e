import KapsoModels

/// A client-side limit of requests per sliding window (a minute for Kapso), so that a large first
/// import stays under the plan's limit and never provokes 429s. No window ever holds more than
/// `limit` requests, hence neither does any fixed window the server may count in.
public actor RateLimiter {
    private let limit: Int
    private let window: Duration
    private let clock = ContinuousClock()
    private var recent: [ContinuousClock.Instant] = []
    private var head = 0

    /// `limit` 0 or less turns limiting off.
    public init(limit: Int, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Waits until one more request fits in the window; returns how long it waited.
    @discardableResult
    public func acquire() async throws -> Duration {
        guard limit > 0 else { return .zero }
        let start = clock.now
        while true {
            let now = clock.now
            while head < recent.count, recent[head] + window <= now { head += 1 }
            if head > 1024 {
                recent.removeFirst(head)
                head = 0
            }
            if recent.count - head < limit {
                recent.append(now)
                return now - start
            }
            try await Task.sleep(until: recent[head] + window, clock: clock)
        }
    }
}

/// Bounds the number of requests in flight.
public actor ConcurrencyLimiter {
    private let limit: Int
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
