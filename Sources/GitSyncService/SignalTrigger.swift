import Logging
import ServiceLifecycle
import UnixSignals

/// `SIGHUP` asks for a cycle now (as `POST /sync` does); it does not reload the configuration.
public struct SignalTrigger: Service {
    let signals: UnixSignalsSequence
    let trigger: CycleTrigger
    let logger: Logger

    /// Traps the signal at once, so that a SIGHUP that comes before the loop runs is not fatal.
    public init(trigger: CycleTrigger, logger: Logger) async {
        signals = await UnixSignalsSequence(trapping: .sighup)
        self.trigger = trigger
        self.logger = logger
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("cycle requested", metadata: ["gitsync.trigger": "SIGHUP"])
            trigger.request("SIGHUP")
        }
    }
}
