import ArgumentParser
import Foundation
import GitStore
import GitSyncConfig
import KapsoAPI
import Logging
import SyncEngine

/// Builds the client, the repository and the engine from the configuration, and reports errors
/// as one clear line on standard error.
struct Runtime {
    let engine: SyncEngine
    let logger: Logger

    init(options: GlobalOptions) throws {
        let logger = Self.makeLogger(level: options.logLevel)
        self.logger = logger
        do {
            let configuration = try ConfigurationLoader.load(path: options.config)
            engine = try Self.makeEngine(configuration: configuration, logger: logger)
        } catch let error as ConfigurationError {
            Self.fail("configuration: \(error)")
        } catch let error as GitError {
            Self.fail("repository: \(error)")
        }
    }

    static func makeEngine(configuration: Configuration, logger: Logger) throws -> SyncEngine {
        let clientConfiguration = try configuration.clientConfiguration()
        let client = KapsoClient(
            configuration: clientConfiguration,
            onEvent: { event in
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

    func runCycle(dryRun: Bool) async throws -> CycleReport {
        do {
            return try await engine.runCycle(dryRun: dryRun)
        } catch {
            logger.error("sync cycle failed", metadata: ["gitsync.error": "\(error.metricLabel)"])
            Self.fail(error.description)
        }
    }

    static func makeLogger(level: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .info
            return handler
        }
        return Logger(label: "kapso-gitsync")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
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
