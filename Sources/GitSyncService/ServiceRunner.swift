import Foundation
import GitSyncConfig
import Logging
import ServiceLifecycle
import SyncEngine
import UnixSignals

/// Puts the service together and runs it until SIGTERM/SIGINT (exit 0) or, when one is set, a spent
/// failure budget (an error: exit 1, so that systemd's `Restart=on-failure` restarts it).
public struct ServiceRunner {
    let configuration: Configuration
    let engine: SyncEngine
    let metrics: ServiceMetrics
    let logger: Logger
    let environment: [String: String]

    /// `metrics` must be the one the engine's client reports its events to.
    public init(
        configuration: Configuration, engine: SyncEngine, metrics: ServiceMetrics, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.configuration = configuration
        self.engine = engine
        self.metrics = metrics
        self.logger = logger
        self.environment = environment
    }

    public func run() async throws {
        let settings = configuration.service
        let notifier = SystemdNotifier(environment: environment)
        let trigger = CycleTrigger()
        let status = StatusFile.load(from: configuration.stateDirectory)
        let state = ServiceState(
            suspended: settings.suspend, cycleTimeout: TimeInterval(settings.cycleTimeoutSeconds),
            unreadyAfterFailures: settings.unreadyAfterFailures, status: status)
        metrics.restore(from: status)
        if let warning = settings.failureBudgetWarning { logger.warning("\(warning)") }
        let secrets = try settings.webhookSecrets(environment: environment)
        let webhooks = WebhookVerifier(githubSecret: secrets.github, gitlabToken: secrets.gitlab, branch: configuration.branch)

        let loop = SyncLoop(
            engine: engine, settings: settings, state: state, trigger: trigger, metrics: metrics, notifier: notifier, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let interval = SystemdNotifier.watchdogInterval(environment: environment) {
            services.append(.init(service: WatchdogPinger(interval: interval, state: state, notifier: notifier, logger: logger)))
        }
        services.append(.init(service: await SignalTrigger(trigger: trigger, logger: logger)))
        services.append(.init(service: loop))
        // The status server first in the group, so it stops last and tells the truth while the last
        // cycle finishes; the webhooks on the status listener unless they have one of their own.
        let endpoints: StatusRoutes.Endpoints = settings.webhooksListen == nil ? .all : .status
        let context = ServingContext(state: state, metrics: metrics, trigger: trigger, webhooks: webhooks, logger: logger)
        try await context.serving(settings.listen, key: "status.listen", endpoints: endpoints, name: "status server") { status in
            try await context.serving(settings.webhooksListen, key: "webhooks.listen", endpoints: .webhooks, name: "webhook server") {
                hooks in
                try await runGroup([status, hooks].compactMap { $0 }.map { .init(service: $0) } + services)
            }
        }
    }

    /// What a listener needs, to start one or none.
    private struct ServingContext {
        let state: ServiceState
        let metrics: ServiceMetrics
        let trigger: CycleTrigger
        let webhooks: WebhookVerifier
        let logger: Logger

        func serving(
            _ listen: ListenAddress?, key: String, endpoints: StatusRoutes.Endpoints, name: String,
            _ body: (StatusServer?) async throws -> Void
        ) async throws {
            guard let listen else { return try await body(nil) }
            try await StatusServer.serving(
                listen: listen, key: key, endpoints: endpoints, state: state, metrics: metrics, trigger: trigger, webhooks: webhooks,
                logger: logger
            ) { server in
                logger.notice("\(name) listening", metadata: ["gitsync.address": "\(server.boundAddress)"])
                try await body(server)
            }
        }
    }

    private func runGroup(_ services: [ServiceGroupConfiguration.ServiceConfiguration]) async throws {
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A cycle that is already writing runs to its end; past this, the group cancels (the engine's
        // crash safety covers an interrupted write), well inside systemd's TimeoutStopSec.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(80)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        logger.notice("service stopped")
    }
}
