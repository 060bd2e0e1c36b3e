import Foundation
import Logging
import ServiceLifecycle

/// Sends `WATCHDOG=1` at half of `WATCHDOG_USEC` while the loop is alive. When a cycle is stuck past
/// `sync.cycle_timeout_seconds` the pings stop, and systemd kills and restarts the service.
public struct WatchdogPinger: Service {
    let interval: Duration
    let state: ServiceState
    let notifier: SystemdNotifier
    let logger: Logger

    public init(interval: Duration, state: ServiceState, notifier: SystemdNotifier, logger: Logger) {
        self.interval = interval
        self.state = state
        self.notifier = notifier
        self.logger = logger
    }

    public func run() async throws {
        var warned = false
        // The group shuts services down in reverse order: by the time this one is asked to stop, the
        // loop (listed after it) has finished its last cycle, so pings cover that cycle too.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let (alive, detail) = state.liveness()
            if alive {
                notifier.watchdog()
                warned = false
            } else if !warned {
                logger.error("not feeding the watchdog", metadata: ["gitsync.reason": "\(detail)"])
                warned = true
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
