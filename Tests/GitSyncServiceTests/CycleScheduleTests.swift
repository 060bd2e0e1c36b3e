import GitSyncConfig
import GitSyncService
import Testing

@Suite struct CycleScheduleTests {
    static func schedule(maxFailures: Int = 10) -> CycleSchedule {
        CycleSchedule(intervalSeconds: 60, jitterPercent: 10, retrySeconds: 5, maxBackoffSeconds: 300, maxConsecutiveFailures: maxFailures)
    }

    /// Outcomes in order ("s" success, "f" failure, "r" the branch moved) → the delay before jitter, and
    /// whether to give up.
    @Test(arguments: [
        ("", 60.0, false),
        ("s", 60, false),
        ("f", 5, false),  // start-up: fast retry
        ("ffff", 5, false),  // still no success: no growth
        ("sf", 5, false),  // backoff starts at the retry delay
        ("sff", 10, false),
        ("sfff", 20, false),
        ("sffffff", 160, false),
        ("sfffffff", 300, false),  // capped
        ("sffffffffff", 300, true),  // 10 in a row
        ("sfffffffff", 300, false),
        ("sfffs", 60, false),  // a success resets
        ("sfffsf", 5, false),
        ("sr", 5, false),  // the branch moved: run again soon
        ("srrrrrrrrrrrr", 5, false),  // however often: not a failure, no backoff, never gives up
        ("srs", 60, false),
        ("sffr", 5, false),
        ("sffrf", 20, false),  // a retry neither resets nor adds to the failures in a row
        ("sfffffffffr", 5, false),
    ])
    func delays(outcomes: String, expected: Double, givesUp: Bool) {
        var schedule = Self.schedule()
        for outcome in outcomes {
            switch outcome {
            case "s": schedule.recordSuccess()
            case "r": schedule.recordRetry()
            default: schedule.recordFailure()
            }
        }
        #expect(schedule.baseDelaySeconds == expected)
        #expect(schedule.failureBudgetExhausted == givesUp)
    }

    @Test func jitterSpreadsTheDelayOverPlusMinusTheFraction() {
        let schedule = Self.schedule()
        #expect(schedule.nextDelaySeconds(unitRandom: 0) == 54)
        #expect(schedule.nextDelaySeconds(unitRandom: 0.5) == 60)
        #expect(abs(schedule.nextDelaySeconds(unitRandom: 0.999_999) - 66) < 0.001)
    }

    @Test func aZeroBudgetNeverGivesUp() {
        var schedule = Self.schedule(maxFailures: 0)
        for _ in 0..<100 { schedule.recordFailure() }
        #expect(!schedule.failureBudgetExhausted)
        #expect(schedule.baseDelaySeconds == 5)
    }

    @Test(arguments: [
        (0, 5, nil as String?),
        (10, 5, "sync.max_consecutive_failures 10 with sync.retry_seconds 5 exits after about 45 s of failures"),
        (30, 5, nil),
        (3, 1, "sync.max_consecutive_failures 3 with sync.retry_seconds 1 exits after about 2 s of failures"),
    ])
    func aFailureBudgetThatSystemdWouldOutlastIsWarnedAbout(budget: Int, retry: Int, warning: String?) {
        let settings = ServiceSettings(retrySeconds: retry, maxConsecutiveFailures: budget)
        if let warning {
            #expect(settings.failureBudgetWarning?.hasPrefix(warning) == true, "\(settings.failureBudgetWarning ?? "none")")
        } else {
            #expect(settings.failureBudgetWarning == nil)
        }
    }
}
