import Foundation
import GitStore
import GitSyncService
import KapsoModels
import SyncEngine
import Testing

@Suite struct ServiceStateTests {
    static let kapsoDown = SyncError.kapso(.transport(endpoint: "GET /workflows", detail: "connection refused", attempts: 4))
    static let gitServerDown = SyncError.remote(
        RemoteError(kind: .unreachable, remote: "https://git.example.invalid/flows.git", message: "failed to connect", rejected: [:]))
    static let branchMoved = SyncError.remote(
        RemoteError(kind: .nonFastForward, remote: "https://git.example.invalid/flows.git", message: "fetch first", rejected: [:]))

    @Test func readinessWaitsForTheFirstSuccessAndDropsAfterTooManyFailures() {
        let state = ServiceState(suspended: false, cycleTimeout: 60, unreadyAfterFailures: 2, status: nil)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(state.readiness().ready == false)
        state.cycleEnded(result: "error", failure: .state("disk full"), status: nil, at: start)
        #expect(state.readiness().detail == "not ready: no successful cycle yet; last error: state directory: disk full")
        state.cycleEnded(result: "success", failure: nil, status: nil, at: start)
        #expect(state.readiness().ready)
        state.cycleEnded(result: "error", failure: Self.kapsoDown, status: nil, at: start)
        #expect(state.readiness().ready)
        state.cycleEnded(result: "error", failure: Self.kapsoDown, status: nil, at: start.addingTimeInterval(5))
        #expect(
            state.readiness().detail
                == "not ready: the last 2 cycles failed; Kapso unreachable since 1970-01-12T13:46:40Z (2 cycles); last error: "
                + "Kapso API: GET /workflows: connection refused (after 4 attempts)")
        state.cycleEnded(result: "attention", failure: nil, status: nil, at: start.addingTimeInterval(10))
        #expect(state.readiness().ready)
    }

    @Test func aBranchThatMovedOrAStopCountsNeitherAsSuccessNorAsFailure() {
        let state = ServiceState(suspended: false, cycleTimeout: 60, unreadyAfterFailures: 1, status: nil)
        state.cycleEnded(result: "retry", failure: Self.branchMoved, status: nil)
        state.cycleEnded(result: "stopped", failure: .stopped, status: nil)
        #expect(state.snapshot.hasSucceeded == false)
        #expect(state.snapshot.consecutiveFailures == 0)
        #expect(state.snapshot.lastError == nil)
        state.cycleEnded(result: "success", failure: nil, status: nil)
        state.cycleEnded(result: "error", failure: Self.kapsoDown, status: nil)
        state.cycleEnded(result: "retry", failure: Self.branchMoved, status: nil)
        #expect(state.snapshot.consecutiveFailures == 1, "a retry does not reset the failures in a row")
        #expect(state.readiness().ready == false)
        #expect(state.snapshot.lastError == Self.kapsoDown.description, "nor forgets the last error")
    }

    @Test func anOutageIsReportedOnceWhenItStartsAndOnceWhenItEnds() {
        let state = ServiceState(suspended: false, cycleTimeout: 60, unreadyAfterFailures: 3, status: nil)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(state.cycleEnded(result: "success", failure: nil, status: nil, at: start).isEmpty)
        let down = state.cycleEnded(result: "error", failure: Self.kapsoDown, status: nil, at: start.addingTimeInterval(60))
        #expect(down == [.wentDown(.kapso, error: Self.kapsoDown.description)])
        for minute in 2...50 {
            #expect(
                state.cycleEnded(result: "error", failure: Self.kapsoDown, status: nil, at: start.addingTimeInterval(Double(minute) * 60))
                    .isEmpty)
        }
        let gitDown = state.cycleEnded(result: "error", failure: Self.gitServerDown, status: nil, at: start.addingTimeInterval(3060))
        #expect(gitDown == [.wentDown(.gitServer, error: Self.gitServerDown.description)])
        #expect(state.snapshot.availability.isUp(.kapso) == false)
        #expect(state.cycleEnded(result: "error", failure: .state("disk full"), status: nil, at: start.addingTimeInterval(3070)).isEmpty)
        let back = state.cycleEnded(result: "success", failure: nil, status: nil, at: start.addingTimeInterval(3120))
        #expect(back == [.cameBack(.gitServer, downFor: 60, failedCycles: 1), .cameBack(.kapso, downFor: 3060, failedCycles: 50)])
        #expect(state.snapshot.availability.summary == nil)
    }

    @Test(arguments: [
        (SyncError.kapso(.http(status: 503, endpoint: "GET /workflows", message: "")), UnavailableService?.some(.kapso)),
        (.kapso(.http(status: 429, endpoint: "GET /workflows", message: "")), .kapso),
        (.kapso(.transport(endpoint: "GET /workflows", detail: "timed out", attempts: 4)), .kapso),
        (.kapso(.http(status: 401, endpoint: "GET /workflows", message: "Invalid API key")), nil),
        (.kapso(.malformedResponse(endpoint: "GET /workflows", detail: "no data member")), nil),
        (ServiceStateTests.gitServerDown, .gitServer),
        (.remote(RemoteError(kind: .authentication, remote: "r", message: "401", rejected: [:])), nil),
        (ServiceStateTests.branchMoved, nil),
        (.state("disk full"), nil),
    ])
    func whichFailuresAreOutages(failure: SyncError, service: UnavailableService?) {
        #expect(failure.unavailableService == service, "\(failure)")
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
        state.cycleEnded(result: "success", failure: nil, status: nil)
        #expect(state.liveness(now: start.addingTimeInterval(1_000)).alive)
    }
}
