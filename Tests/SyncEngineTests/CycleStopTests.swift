import SyncEngine
import Testing

/// `untilCancelling` is what the service waits on beside a running cycle: it must return when a stop
/// comes while the cycle reads, or when its own task is cancelled, and never resume twice.
@Suite struct CycleStopTests {
    @Test func aStopRequestedBeforeTheWaitReturnsAtOnce() async {
        let stop = CycleStop()
        stop.request()
        await stop.untilCancelling()
        #expect(stop.isRequested)
    }

    /// Ends only if the stop ends the wait: nothing else would.
    @Test func aStopRequestedDuringTheWaitEndsIt() async {
        let stop = CycleStop()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await stop.untilCancelling() }
            stop.request()
            await group.waitForAll()
        }
        #expect(stop.isRequested)
    }

    @Test func cancellingTheWaitingTaskEndsIt() async {
        let stop = CycleStop()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await stop.untilCancelling() }
            group.cancelAll()
            await group.waitForAll()
        }
        #expect(!stop.isRequested)
    }

    @Test func aStopAndACancellationTogetherResumeOnce() async {
        for _ in 0..<200 {
            let stop = CycleStop()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await stop.untilCancelling() }
                group.addTask { stop.request() }
                group.cancelAll()
                await group.waitForAll()
            }
        }
    }
}
