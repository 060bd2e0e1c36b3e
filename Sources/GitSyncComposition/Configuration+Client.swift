import Foundation
import GitSyncConfig
import KapsoAPI
import KapsoModels

/// Where the configuration meets the HTTP client: the only module besides the commands that names it.
extension Configuration {
    /// The client settings, with the key resolved from the environment, credentials or file.
    public func clientConfiguration(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError)
        -> KapsoClientConfiguration
    {
        KapsoClientConfiguration(
            baseURL: apiURL, apiKey: try APIKeySource.resolve(file: apiKeyFile, environment: environment),
            requestTimeout: .seconds(timeoutSeconds), retry: RetryPolicy(maxAttempts: maxAttempts),
            requestsPerMinute: requestsPerMinute, concurrency: concurrency, userAgent: GitSyncVersion.userAgent)
    }
}

extension Configuration {
    /// The client of the configured API (`kapso.api`), behind the engine's seam.
    public func backend(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onEvent: @escaping @Sendable (KapsoClientEvent) -> Void = { _ in }
    ) throws(ConfigurationError) -> any KapsoBackend {
        let http = KapsoClient(configuration: try clientConfiguration(environment: environment), onEvent: onEvent)
        switch api {
        case .platform: return http
        case .legacy: return LegacyFlowsClient(http: http)
        }
    }
}
