import Foundation
import GitSyncService
import TestSupport
import Testing

@Suite struct SystemdNotifierTests {
    @Test func messagesArriveAsDatagramsOnTheNotifySocket() throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket(path: directory.path + "/notify")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path])
        #expect(notifier.isEnabled)
        notifier.ready(status: "started\nsecond line")
        notifier.watchdog()
        notifier.stopping(status: "stopping")
        #expect(socket.receive(timeout: 5) == "READY=1\nSTATUS=started second line")
        #expect(socket.receive(timeout: 5) == "WATCHDOG=1")
        #expect(socket.receive(timeout: 5) == "STOPPING=1\nSTATUS=stopping")
    }

    @Test func withoutTheVariableNothingIsSent() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        #expect(!notifier.send("READY=1"))
    }

    @Test(arguments: [
        (["WATCHDOG_USEC": "2000000"], Duration?.some(.seconds(1))),
        (["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"], nil),
        (["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": String(getpid())], .seconds(1)),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "soon"], nil),
        ([:], nil),
    ])
    func watchdogIntervalIsHalfOfWatchdogUSec(environment: [String: String], expected: Duration?) {
        #expect(SystemdNotifier.watchdogInterval(environment: environment) == expected)
    }
}
