import Foundation
import GitStore

/// The service's whole configuration, validated once at start-up and passed down.
///
/// Keys (YAML file given with `--config`; every one optional unless marked):
/// - `kapso.api` (`platform` | `legacy`): the Platform workflows API, or the legacy Flows API
/// - `kapso.api_url` (default `https://api.kapso.ai/platform/v1`, or `https://app.kapso.ai/api/v1` with `kapso.api: legacy`)
/// - `kapso.api_key_file`: file holding the project API key. The key may instead come from
///   `KAPSO_API_KEY` or `$CREDENTIALS_DIRECTORY/kapso-api-key` (systemd `LoadCredential=`), in that order.
/// - `kapso.requests_per_minute` (100; 0 = no client-side limit), `kapso.concurrency` (4),
///   `kapso.timeout_seconds` (30), `kapso.max_attempts` (5), `kapso.project_name` (none)
/// - `repository.path` (required): the bare repository, created when missing
/// - `repository.branch` (`main`), `repository.author_name` (`kapso-gitsync`),
///   `repository.author_email` (`kapso-gitsync@localhost`), `repository.pack_loose_objects` (6700),
///   `repository.pack_loose_megabytes` (64): loose objects are packed past either (0: that limit is off)
/// - `state.directory` (`$STATE_DIRECTORY`, else `<repository.path>.state`)
/// - `sync.full_resync_interval_seconds` (3600), `sync.deleted_in_git` (`report` | `archive`),
///   `sync.deleted_in_kapso` (`report` | `remove`), `sync.deletion_brake_count` (3), `sync.deletion_brake_percent` (10),
///   `sync.auto_merge` (true)
/// - `functions.sync` (true), `functions.deploy` (true)
/// - the service's keys (`sync.interval_seconds`, `status.listen`, `webhooks.*`, `log.*`…): see ``ServiceSettings``
///   and the README, which lists every key with its default.
public struct Configuration: Sendable {
    /// `sync.deleted_in_git`: what a workflow folder removed in git does to Kapso.
    public enum DeletedInGit: String, Sendable, CaseIterable { case report, archive }
    /// `sync.deleted_in_kapso`: what a workflow removed in Kapso does to git.
    public enum DeletedInKapso: String, Sendable, CaseIterable { case report, remove }
    /// `kapso.api`: which of Kapso's two APIs the project is reached through.
    public enum KapsoAPI: String, Sendable, CaseIterable { case platform, legacy }

    public var api: KapsoAPI = .platform
    public var apiURL: URL
    public var apiKeyFile: String?
    public var requestsPerMinute: Int
    public var concurrency: Int
    public var timeoutSeconds: Int
    public var maxAttempts: Int
    public var projectName: String?
    public var repositoryPath: String
    public var branch: String
    public var authorName: String
    public var authorEmail: String
    public var stateDirectory: String
    public var fullResyncIntervalSeconds: Int
    public var deletedInGit: DeletedInGit
    public var deletedInKapso: DeletedInKapso
    public var deletionBrakeCount: Int
    public var deletionBrakePercent: Int
    public var autoMerge: Bool
    /// `repository.root`: the folder the Kapso project lives in; empty: the repository's root.
    public var root: String = ""
    /// `sync.include` / `sync.exclude`: slug globs (empty include: every slug).
    public var include: [String] = []
    public var exclude: [String] = []
    /// `sync.statuses`: the statuses synced; nil: every one.
    public var statuses: [String]?
    /// `functions.sync`: functions (`functions/<slug>/`) are synced too.
    public var syncFunctions = true
    /// `functions.deploy`: a function written to Kapso is then deployed.
    public var deployFunctions = true
    public var service: ServiceSettings
    /// nil: no git server, the local repository is the only one.
    public var remote: RemoteSettings?
    /// `repository.pack_loose_objects` / `repository.pack_loose_megabytes`: after a cycle that wrote
    /// objects, the loose ones are packed once they are this many, or take this much disk (0: no such
    /// limit; both 0: never).
    public var packLooseObjects = 6700
    public var packLooseMegabytes = 64
    /// `repository.pack_small_packs`: the packs of fewer than 2,000 objects (one per commit) are merged
    /// into one once there are this many (0: never).
    public var packSmallPacks = 50

    public static let defaultAPIURL = URL(string: "https://api.kapso.ai/platform/v1")!
    public static let defaultLegacyAPIURL = URL(string: "https://app.kapso.ai/api/v1")!

    /// The effective configuration as lines a person can read; holds no secret (the key file is a path).
    public var redactedDescription: [String] {
        [
            "kapso.api: \(api.rawValue)",
            "kapso.api_url: \(apiURL.absoluteString)",
            "kapso.api_key_file: \(apiKeyFile ?? "(none)")",
            "kapso.requests_per_minute: \(requestsPerMinute)",
            "kapso.concurrency: \(concurrency)",
            "kapso.timeout_seconds: \(timeoutSeconds)",
            "kapso.max_attempts: \(maxAttempts)",
            "kapso.project_name: \(projectName ?? "(none)")",
            "repository.path: \(repositoryPath)",
            "repository.branch: \(branch)",
            "repository.author_name: \(authorName)",
            "repository.author_email: \(authorEmail)",
            "repository.pack_loose_objects: \(packLooseObjects)",
            "repository.pack_loose_megabytes: \(packLooseMegabytes)",
            "repository.pack_small_packs: \(packSmallPacks)",
            "state.directory: \(stateDirectory)",
            "sync.full_resync_interval_seconds: \(fullResyncIntervalSeconds)",
            "sync.deleted_in_git: \(deletedInGit.rawValue)",
            "sync.deleted_in_kapso: \(deletedInKapso.rawValue)",
            "sync.deletion_brake_count: \(deletionBrakeCount)",
            "sync.deletion_brake_percent: \(deletionBrakePercent)",
            "sync.auto_merge: \(autoMerge)",
            "repository.root: \(root.isEmpty ? "(the repository's root)" : root)",
            "sync.include: \(include.isEmpty ? "(every slug)" : include.joined(separator: ","))",
            "sync.exclude: \(exclude.isEmpty ? "(none)" : exclude.joined(separator: ","))",
            "sync.statuses: \(statuses?.joined(separator: ",") ?? "(every status)")",
            "functions.sync: \(syncFunctions)",
            "functions.deploy: \(deployFunctions)",
        ] + service.redactedDescription + (remote?.redactedDescription ?? ["remote.url: (none)"])
    }
}

/// A configuration problem, naming the key (or file) and what is wrong with it.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key): \(message)" }
}
