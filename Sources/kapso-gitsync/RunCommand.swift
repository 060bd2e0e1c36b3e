import ArgumentParser
import Foundation
import GitSyncService

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run as a service: sync on a schedule and on demand, serve health, metrics and status, until SIGTERM.",
        discussion: """
            SIGHUP, POST /sync and a verified push webhook run a cycle at once. SIGTERM or SIGINT: the running cycle \
            finishes (or stops before its first write), then exit 0. Exit 1 when sync.max_consecutive_failures cycles \
            failed in a row, or on a start-up error.
            """)

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let metrics = ServiceMetrics(suspended: false)
        let runtime = try Runtime(options: options, onClientEvent: { metrics.record($0) })
        metrics.setSuspended(runtime.configuration.service.suspend)
        do {
            try await ServiceRunner(configuration: runtime.configuration, engine: runtime.engine, metrics: metrics, logger: runtime.logger)
                .run()
        } catch {
            runtime.logger.critical("service stopped with an error", metadata: ["gitsync.error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
