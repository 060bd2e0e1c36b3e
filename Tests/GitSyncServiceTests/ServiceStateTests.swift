import Foundation
import GitSyncService
import Testing

@Suite struct ServiceStateTests {
    @Test func readinessWaitsForTheFirstSuccessAndDropsAfterTooManyFailures() {
        let state = ServiceState(suspended: false, cycleTimeout: 60, unreadyAfterFailures: 2, status: nil)
        #expect(state.readiness().ready == false)
        state.cycleEnded(result: "error", error: "Kapso API: HTTP 503", failed: true, status: nil)
        #expect(state.readiness().detail == "not ready: no successful cycle yet; last error: Kapso API: HTTP 503")
        state.cycleEnded(result: "success", error: nil, failed: false, status: nil)
        #expect(state.readiness().ready)
        state.cycleEnded(result: "error", error: "boom", failed: true, status: nil)
        #expect(state.readiness().ready)
        state.cycleEnded(result: "error", error: "boom", failed: true, status: nil)
        #expect(state.readiness().detail == "not ready: the last 2 cycles failed; last error: boom")
        state.cycleEnded(result: "attention", error: nil, failed: false, status: nil)
        #expect(state.readiness().ready)
    }

    @Test func aCycleRunningPastTheTimeoutMeansTheLoopIsStuck() {
        let state = ServiceState(suspended: false, cycleTimeout: 60, unreadyAfterFailures: 3, status: nil)
        let start = Date(timeIntervalSince1970: 1_000)
        #expect(state.liveness(now: start).alive)
        state.cycleStarted(reason: "schedule", at: start)
        #expect(state.liveness(now: start.addingTimeInterval(59)).alive)
        #expect(
            state.liveness(now: start.addingTimeInterval(61)).detail
                == "stuck: a cycle has been running for 61 s (sync.cycle_timeout_seconds is 60)")
        state.cycleEnded(result: "success", error: nil, failed: false, status: nil)
        #expect(state.liveness(now: start.addingTimeInterval(1_000)).alive)
    }
}
