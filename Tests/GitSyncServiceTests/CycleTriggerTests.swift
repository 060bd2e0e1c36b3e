import GitSyncService
import Testing

@Suite struct CycleTriggerTests {
    @Test func requestsWhileNobodyWaitsCoalesceIntoOneWake() async {
        let trigger = CycleTrigger()
        trigger.request("SIGHUP")
        trigger.request("POST /sync")
        trigger.request("github webhook")
        #expect(await trigger.wait(timeout: .seconds(60)) == .request("SIGHUP", count: 3))
        #expect(await trigger.wait(timeout: .milliseconds(20)) == .timer)
    }

    @Test func aRequestWakesAWaiterAtOnce() async {
        let trigger = CycleTrigger()
        async let wake = trigger.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        trigger.request("POST /sync")
        // Not `.timer`: the request, not the 60 s timeout, ended the wait.
        #expect(await wake == .request("POST /sync", count: 1))
    }

    @Test func stopWakesTheWaiterAndEveryLaterWait() async {
        let trigger = CycleTrigger()
        async let wake = trigger.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(50))
        trigger.stop()
        #expect(await wake == .stop)
        trigger.request("late")
        #expect(await trigger.wait(timeout: .seconds(60)) == .stop)
        #expect(trigger.isStopped)
    }

    @Test func theTimeoutWakesWithTimer() async {
        let trigger = CycleTrigger()
        #expect(await trigger.wait(timeout: .milliseconds(10)) == .timer)
    }
}
