import GitSyncService
import TestSupport
import Testing

/// On a clock that moves only when told: a timer fires because the test advanced it, a request wakes
/// a waiter the test saw waiting, and nothing depends on how fast the machine is.
@Suite struct CycleTriggerTests {
    @Test func requestsWhileNobodyWaitsCoalesceIntoOneWake() async {
        let clock = ManualClock()
        let trigger = CycleTrigger(clock: clock)
        trigger.request("SIGHUP")
        trigger.request("POST /sync")
        trigger.request("github webhook")
        #expect(await trigger.wait(timeout: .seconds(60)) == .request("SIGHUP", count: 3))
        async let next = trigger.wait(timeout: .seconds(20))
        await clock.untilSleeping()
        clock.advance(by: .seconds(20))
        #expect(await next == .timer, "nothing left pending after the coalesced wake")
    }

    @Test func aRequestWakesAWaiterAtOnce() async {
        let clock = ManualClock()
        let trigger = CycleTrigger(clock: clock)
        async let wake = trigger.wait(timeout: .seconds(60))
        await trigger.untilWaiting()
        trigger.request("POST /sync")
        // The clock never moved: the request, not the timeout, ended the wait.
        #expect(await wake == .request("POST /sync", count: 1))
    }

    @Test func stopWakesTheWaiterAndEveryLaterWait() async {
        let trigger = CycleTrigger(clock: ManualClock())
        async let wake = trigger.wait(timeout: .seconds(60))
        await trigger.untilWaiting()
        trigger.stop()
        #expect(await wake == .stop)
        trigger.request("late")
        #expect(await trigger.wait(timeout: .seconds(60)) == .stop)
        #expect(trigger.isStopped)
    }

    @Test func theTimeoutWakesWithTimerOnlyWhenItsTimeHasCome() async {
        let clock = ManualClock()
        let trigger = CycleTrigger(clock: clock)
        async let wake = trigger.wait(timeout: .seconds(30))
        await clock.untilSleeping()
        clock.advance(by: .seconds(29))
        #expect(clock.sleepers == 1, "29 s into a 30 s wait, the timer still sleeps")
        clock.advance(by: .seconds(1))
        #expect(await wake == .timer)
    }

    @Test func theSystemClockIsTheDefault() async {
        #expect(await CycleTrigger().wait(timeout: .milliseconds(1)) == .timer)
    }
}
