import ArgumentParser
import Foundation
import GitStore
import GitSyncComposition
import GitSyncConfig
import GitSyncService
import KapsoAPI
import KapsoModels
import Logging
import SyncEngine

/// Builds the configuration, logging, client, repository and engine, and reports errors as one clear
/// line on standard error.
struct Runtime {
    let configuration: Configuration
    let engine: SyncEngine
    let logger: Logger

    init(options: GlobalOptions, onClientEvent: @escaping @Sendable (KapsoClientEvent) -> Void = { _ in }) throws {
        let configuration = options.loadConfigurationOrExit()
        self.configuration = configuration
        let logger = Self.makeLogger(
            level: options.logLevel ?? configuration.service.logLevel,
            format: LogLineFormatter.format(for: configuration.service.logFormat))
        self.logger = logger
        do {
            engine = try Self.makeEngine(configuration: configuration, logger: logger, onClientEvent: onClientEvent)
        } catch let error as ConfigurationError {
            Self.fail("configuration: \(error)")
        } catch let error as GitError {
            Self.fail("repository: \(error)")
        }
    }

    static func makeEngine(
        configuration: Configuration, logger: Logger, onClientEvent: @escaping @Sendable (KapsoClientEvent) -> Void = { _ in }
    ) throws -> SyncEngine {
        let client = try configuration.backend(
            onEvent: { event in
                onClientEvent(event)
                switch event {
                case .retry(let endpoint, let attempt, let wait, let reason):
                    logger.warning(
                        "retrying Kapso request",
                        metadata: [
                            "gitsync.endpoint": "\(endpoint)", "gitsync.attempt": "\(attempt)", "gitsync.wait": "\(wait)",
                            "gitsync.reason": "\(reason)",
                        ])
                case .rateLimitWait(let duration):
                    logger.debug("waited for the client-side rate limit", metadata: ["gitsync.wait": "\(duration)"])
                case .response:
                    break
                }
            })
        let git = try GitStore(path: configuration.repositoryPath, initialBranch: configuration.branch)
        return SyncEngine(
            client: client, git: git, configuration: configuration.syncConfiguration, logger: logger,
            progress: ProgressReporter.standardError())
    }

    /// One cycle of a one-shot command. The engine is never freed: the process ends after it, and freeing
    /// its caches object by object (at 10,000 workflows, 25 ms) is work the exit does at no cost.
    func runCycle(dryRun: Bool) async throws -> CycleReport {
        _ = Unmanaged.passRetained(engine)
        do {
            return try await engine.runCycle(dryRun: dryRun)
        } catch {
            logger.error("sync cycle failed", metadata: ["gitsync.error": "\(error.metricLabel)"])
            Self.fail(error.description)
        }
    }

    static func makeLogger(level: String, format: LogLineFormatter.Format = .text) -> Logger {
        ServiceLogHandler.bootstrap(format: format, level: Logger.Level(rawValue: level.lowercased()) ?? .info)
        return Logger(label: "kapso-gitsync")
    }

    static func fail(_ message: String) -> Never {
        // Under systemd, the journal files it as an error rather than as plain output.
        let prefix = LogLineFormatter.standardErrorIsJournal() ? "<3>" : ""
        FileHandle.standardError.write(Data("\(prefix)error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

/// Prints "fetched 120/1000 workflows" on standard error during long first imports, every 10%.
enum ProgressReporter {
    static func standardError() -> @Sendable (Int, Int) -> Void {
        { done, total in
            guard total >= 50 else { return }
            let step = max(1, total / 10)
            if done % step == 0 || done == total {
                FileHandle.standardError.write(Data("fetched \(done)/\(total) workflows\n".utf8))
            }
        }
    }
}
