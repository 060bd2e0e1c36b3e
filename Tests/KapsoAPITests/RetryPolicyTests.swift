import Foundation
import KapsoAPI
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(100), maxDelay: .seconds(1))

    @Test(arguments: [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (30, 1000)])
    func backoffDoublesUpToTheCap(attempt: Int, ceilingMilliseconds: Int) {
        #expect(policy.backoff(afterAttempt: attempt, unitRandom: 1) == .milliseconds(ceilingMilliseconds))
        #expect(policy.backoff(afterAttempt: attempt, unitRandom: 0) == .zero)
        #expect(policy.backoff(afterAttempt: attempt, unitRandom: 0.5) == .milliseconds(ceilingMilliseconds) / 2)
    }

    @Test(arguments: [
        (500, true), (502, true), (503, true), (504, true), (429, true), (400, false), (401, false), (404, false), (409, false),
        (422, false),
    ])
    func retryableStatuses(status: Int, retryable: Bool) {
        #expect(RetryPolicy.isRetryableStatus(status) == retryable)
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        #expect(RetryPolicy.retryAfter("60") == .seconds(60))
        #expect(RetryPolicy.retryAfter(" 1 ") == .seconds(1))
        #expect(RetryPolicy.retryAfter(nil) == nil)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let header = formatter.string(from: now.addingTimeInterval(30))
        #expect(RetryPolicy.retryAfter(header, now: now) == .seconds(30))
    }
}
