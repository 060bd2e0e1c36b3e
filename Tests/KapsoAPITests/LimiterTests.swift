import KapsoAPI
import Testing

@Suite struct LimiterTests {
    @Test func theRateLimiterNeverLetsMoreThanTheLimitIntoOneWindow() async throws {
        let limiter = RateLimiter(limit: 3, window: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        var admitted: [Duration] = []
        for _ in 0..<7 {
            try await limiter.acquire()
            admitted.append(clock.now - start)
        }
        // Any window of 300 ms holds at most 3 admissions.
        for index in 3..<admitted.count {
            #expect(admitted[index] - admitted[index - 3] >= .milliseconds(295), "\(admitted)")
        }
        #expect(admitted[2] < .milliseconds(100))
    }

    @Test func zeroTurnsTheRateLimitOff() async throws {
        let limiter = RateLimiter(limit: 0)
        for _ in 0..<1000 { #expect(try await limiter.acquire() == .zero) }
    }

    @Test func theConcurrencyLimiterBoundsWorkInFlight() async {
        let limiter = ConcurrencyLimiter(limit: 2)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    await limiter.acquire()
                    await gauge.enter()
                    try? await Task.sleep(for: .milliseconds(5))
                    await gauge.leave()
                    await limiter.release()
                }
            }
        }
        #expect(await gauge.peak == 2)
    }

    actor Gauge {
        var current = 0
        var peak = 0
        func enter() {
            current += 1
            peak = max(peak, current)
        }
        func leave() { current -= 1 }
    }
}
