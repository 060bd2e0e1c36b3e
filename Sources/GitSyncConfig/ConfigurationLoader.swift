import Foundation
import Yams

/// Reads and checks the YAML configuration file. Unknown keys are errors (a typo must not silently
/// fall back to a default); relative paths are taken from the file's folder.
public enum ConfigurationLoader {
    public static let knownKeys: [String: Set<String>] = [
        "kapso": [
            "api", "api_url", "api_key_file", "requests_per_minute", "concurrency", "timeout_seconds", "max_attempts", "project_name",
            "allow_insecure",
        ],
        "repository": [
            "path", "branch", "author_name", "author_email", "root", "pack_loose_objects", "pack_loose_megabytes", "pack_small_packs",
        ],
        "state": ["directory"],
        "sync": [
            "full_resync_interval_seconds", "deleted_in_git", "deleted_in_kapso", "deletion_brake_count", "deletion_brake_percent",
            "auto_merge", "include", "exclude", "statuses",
            "interval_seconds", "jitter_percent", "retry_seconds", "max_backoff_seconds", "max_consecutive_failures",
            "cycle_timeout_seconds", "suspend",
        ],
        "functions": ["sync", "deploy"],
        "status": ["listen", "unready_after_failures"],
        "webhooks": ["github_secret_file", "gitlab_token_file", "listen"],
        "log": ["level", "format"],
        "remote": [
            "url", "https_username", "https_token_file", "ssh_key_file", "ssh_passphrase_file", "known_hosts_file", "push_rounds",
            "commit_to", "incoming_branch", "allow_insecure",
        ],
    ]

    /// Every key may also come from the environment as `KAPSO_GITSYNC_<SECTION>_<KEY>`, upper case.
    public static let environmentPrefix = "KAPSO_GITSYNC_"
    /// The one `KAPSO_GITSYNC_` variable that is not a key: the configuration file's path.
    public static let configPathVariable = "KAPSO_GITSYNC_CONFIG"

    /// Reads the file, then applies `KAPSO_GITSYNC_…` variables, then `overrides` (`section.key=value`,
    /// from `--set` flags): each later source wins.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment, overrides: [String] = []
    ) throws(ConfigurationError)
        -> Configuration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: path, message: "cannot read the configuration file")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(
            text, source: path, baseDirectory: folder.isEmpty ? "." : folder, environment: environment, overrides: overrides)
    }

    public static func parse(
        _ text: String, source: String, baseDirectory: String, environment: [String: String], overrides: [String] = []
    ) throws(ConfigurationError) -> Configuration {
        var sections = try sectionsOfFile(text, source: source)
        for (section, key, value) in try environmentOverrides(environment) + flagOverrides(overrides) {
            sections[section, default: [:]][key] = Node.Scalar(value)
        }
        return try configuration(from: sections, baseDirectory: baseDirectory, environment: environment)
    }

    /// `KAPSO_GITSYNC_SYNC_INTERVAL_SECONDS=30` → (`sync`, `interval_seconds`, `30`); an unknown name is an error
    /// rather than a setting that silently does nothing.
    static func environmentOverrides(_ environment: [String: String]) throws(ConfigurationError) -> [(String, String, String)] {
        var overrides: [(String, String, String)] = []
        for (name, value) in environment.sorted(by: { $0.key < $1.key })
        where name.hasPrefix(environmentPrefix) && name != configPathVariable {
            let rest = name.dropFirst(environmentPrefix.count).lowercased()
            guard let separator = rest.firstIndex(of: "_") else {
                throw ConfigurationError(key: name, message: "not a configuration key (expected \(environmentPrefix)<SECTION>_<KEY>)")
            }
            let section = String(rest[..<separator])
            let key = String(rest[rest.index(after: separator)...])
            guard knownKeys[section]?.contains(key) == true else {
                throw ConfigurationError(key: name, message: "no such configuration key \(section).\(key)")
            }
            overrides.append((section, key, value))
        }
        return overrides
    }

    static func flagOverrides(_ overrides: [String]) throws(ConfigurationError) -> [(String, String, String)] {
        var result: [(String, String, String)] = []
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let path = parts[0].split(separator: ".", maxSplits: 1)
            guard parts.count == 2, path.count == 2 else {
                throw ConfigurationError(key: "--set \(override)", message: "expected section.key=value")
            }
            let section = String(path[0])
            let key = String(path[1])
            guard knownKeys[section]?.contains(key) == true else {
                throw ConfigurationError(key: "--set \(section).\(key)", message: "no such configuration key")
            }
            result.append((section, key, String(parts[1])))
        }
        return result
    }

    private static func sectionsOfFile(_ text: String, source: String) throws(ConfigurationError) -> [String: [String: Node.Scalar]] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: source, message: "not valid YAML: \(error)")
        }
        var sections: [String: [String: Node.Scalar]] = [:]
        if let root {
            guard let mapping = root.mapping else { throw ConfigurationError(key: source, message: "must be a mapping of sections") }
            for (sectionNode, value) in mapping {
                let section = sectionNode.string ?? ""
                guard let allowed = knownKeys[section] else {
                    throw ConfigurationError(
                        key: section, message: "unknown section (known: \(knownKeys.keys.sorted().joined(separator: ", ")))")
                }
                // A section whose keys are all commented out is empty, not an error.
                if let scalar = value.scalar, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { continue }
                guard let entries = value.mapping else { throw ConfigurationError(key: section, message: "must be a mapping") }
                for (keyNode, entry) in entries {
                    let key = keyNode.string ?? ""
                    guard allowed.contains(key) else {
                        throw ConfigurationError(
                            key: "\(section).\(key)", message: "unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
                    }
                    guard let scalar = entry.scalar else {
                        throw ConfigurationError(key: "\(section).\(key)", message: "must be a single value")
                    }
                    sections[section, default: [:]][key] = scalar
                }
            }
        }
        return sections
    }

    private static func configuration(
        from sections: [String: [String: Node.Scalar]], baseDirectory: String, environment: [String: String]
    ) throws(ConfigurationError) -> Configuration {
        let reader = Reader(sections: sections, baseDirectory: baseDirectory)
        let api = try reader.choice("kapso", "api", Configuration.KapsoAPI.self) ?? .platform
        let defaultURL = api == .legacy ? Configuration.defaultLegacyAPIURL : Configuration.defaultAPIURL
        let apiURLText = try reader.string("kapso", "api_url") ?? defaultURL.absoluteString
        guard let apiURL = URL(string: apiURLText), let scheme = apiURL.scheme, ["http", "https"].contains(scheme.lowercased()),
            apiURL.host != nil
        else {
            throw ConfigurationError(key: "kapso.api_url", message: "must be an http or https URL")
        }
        if let refusal = InsecureTransport.refusal(
            url: apiURLText, key: "kapso.api_url", credential: "the API key",
            allowInsecure: try reader.boolean("kapso", "allow_insecure") ?? false)
        {
            throw refusal
        }
        let systemdStateDirectory = environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) }
        // Under systemd (StateDirectory=), the repository lives in the state directory unless told otherwise.
        guard let repositoryPath = try reader.path("repository", "path") ?? systemdStateDirectory.map({ $0 + "/repo.git" }) else {
            throw ConfigurationError(key: "repository.path", message: "is required (or run under systemd with StateDirectory=)")
        }
        let branch = try reader.string("repository", "branch") ?? "main"
        guard Self.isValidBranchName(branch) else {
            throw ConfigurationError(key: "repository.branch", message: "\(branch) is not a valid branch name")
        }
        let stateDirectory = try reader.path("state", "directory") ?? systemdStateDirectory ?? repositoryPath + ".state"
        return Configuration(
            api: api,
            apiURL: apiURL,
            apiKeyFile: try reader.path("kapso", "api_key_file"),
            requestsPerMinute: try reader.integer("kapso", "requests_per_minute", minimum: 0) ?? 100,
            concurrency: try reader.integer("kapso", "concurrency", minimum: 1, maximum: 64) ?? 4,
            timeoutSeconds: try reader.integer("kapso", "timeout_seconds", minimum: 1, maximum: 3600) ?? 30,
            maxAttempts: try reader.integer("kapso", "max_attempts", minimum: 1, maximum: 20) ?? 5,
            projectName: try reader.string("kapso", "project_name"),
            repositoryPath: repositoryPath,
            branch: branch,
            authorName: try reader.string("repository", "author_name") ?? "kapso-gitsync",
            authorEmail: try reader.string("repository", "author_email") ?? "kapso-gitsync@localhost",
            stateDirectory: stateDirectory,
            fullResyncIntervalSeconds: try reader.integer("sync", "full_resync_interval_seconds", minimum: 0) ?? 3600,
            deletedInGit: try reader.choice("sync", "deleted_in_git", Configuration.DeletedInGit.self) ?? .report,
            deletedInKapso: try reader.choice("sync", "deleted_in_kapso", Configuration.DeletedInKapso.self) ?? .report,
            deletionBrakeCount: try reader.integer("sync", "deletion_brake_count", minimum: 0) ?? 3,
            deletionBrakePercent: try reader.integer("sync", "deletion_brake_percent", minimum: 0, maximum: 100) ?? 10,
            autoMerge: try reader.boolean("sync", "auto_merge") ?? true,
            root: try projectRoot(reader),
            include: try slugPatterns(reader, "include"),
            exclude: try slugPatterns(reader, "exclude"),
            statuses: try statuses(reader),
            syncFunctions: try reader.boolean("functions", "sync") ?? true,
            deployFunctions: try reader.boolean("functions", "deploy") ?? true,
            service: try serviceSettings(reader),
            remote: try remoteSettings(reader),
            packLooseObjects: try reader.integer("repository", "pack_loose_objects", minimum: 0) ?? 6700,
            // A terabyte at most: the count of bytes must fit comfortably in 64 bits.
            packLooseMegabytes: try reader.integer("repository", "pack_loose_megabytes", minimum: 0, maximum: 1 << 20) ?? 64,
            packSmallPacks: try reader.integer("repository", "pack_small_packs", minimum: 0) ?? 50)
    }

    static let workflowStatuses = ["draft", "active", "paused", "archived"]

    /// `repository.root`: a folder of the repository, relative, without `..`.
    private static func projectRoot(_ reader: Reader) throws(ConfigurationError) -> String {
        guard let text = try reader.string("repository", "root") else { return "" }
        let parts = text.split(separator: "/", omittingEmptySubsequences: true)
        guard !text.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".git") }) else {
            throw ConfigurationError(
                key: "repository.root", message: "must be a folder inside the repository, like kapso or projects/sales, not \(text)")
        }
        return parts.joined(separator: "/")
    }

    /// A comma-separated list of slug globs.
    private static func slugPatterns(_ reader: Reader, _ key: String) throws(ConfigurationError) -> [String] {
        guard let text = try reader.string("sync", key) else { return [] }
        let patterns = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for pattern in patterns where pattern.isEmpty || pattern.contains("/") {
            throw ConfigurationError(
                key: "sync.\(key)", message: "must be slug patterns separated by commas (e.g. untitled-workflow*,test-*), not \(text)")
        }
        return patterns
    }

    private static func statuses(_ reader: Reader) throws(ConfigurationError) -> [String]? {
        guard let text = try reader.string("sync", "statuses") else { return nil }
        let statuses = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        for status in statuses where !workflowStatuses.contains(status) {
            throw ConfigurationError(
                key: "sync.statuses",
                message: "must be statuses separated by commas, of \(workflowStatuses.joined(separator: ", ")); not \(status)")
        }
        guard !statuses.isEmpty else { throw ConfigurationError(key: "sync.statuses", message: "names no status") }
        return statuses
    }

    private static func remoteSettings(_ reader: Reader) throws(ConfigurationError) -> RemoteSettings? {
        guard let url = try reader.string("remote", "url") else {
            for key in knownKeys["remote", default: []] where try reader.string("remote", key) != nil {
                throw ConfigurationError(key: "remote.\(key)", message: "set without remote.url")
            }
            return nil
        }
        let settings = RemoteSettings(
            url: url, httpsUsername: try reader.string("remote", "https_username") ?? "x-access-token",
            httpsTokenFile: try reader.path("remote", "https_token_file"), sshKeyFile: try reader.path("remote", "ssh_key_file"),
            sshPassphraseFile: try reader.path("remote", "ssh_passphrase_file"),
            knownHostsFile: try reader.path("remote", "known_hosts_file"),
            pushRounds: try reader.integer("remote", "push_rounds", minimum: 1, maximum: 10) ?? 3,
            commitTo: try reader.choice("remote", "commit_to", RemoteSettings.CommitTo.self) ?? .main,
            incomingBranch: try reader.string("remote", "incoming_branch") ?? RemoteSettings.defaultIncomingBranch,
            allowInsecure: try reader.boolean("remote", "allow_insecure") ?? false)
        guard isValidBranchName(settings.incomingBranch) else {
            throw ConfigurationError(key: "remote.incoming_branch", message: "\(settings.incomingBranch) is not a valid branch name")
        }
        let isSSH = url.hasPrefix("ssh://") || (!url.contains("://") && url.contains("@") && url.contains(":"))
        if isSSH && settings.knownHostsFile == nil {
            throw ConfigurationError(
                key: "remote.known_hosts_file", message: "is required for an SSH remote: the server's host key is always verified")
        }
        if url.hasPrefix("http"), URLComponents(string: url)?.password != nil {
            throw ConfigurationError(key: "remote.url", message: "must not hold a password or token: use remote.https_token_file")
        }
        if settings.httpsTokenFile != nil, let refusal = settings.insecureTransportRefusal { throw refusal }
        return settings
    }

    private static func serviceSettings(_ reader: Reader) throws(ConfigurationError) -> ServiceSettings {
        let listenText = try reader.string("status", "listen") ?? ServiceSettings.defaultListen
        let listen: ListenAddress?
        if listenText == "off" {
            listen = nil
        } else {
            guard let parsed = ListenAddress(listenText) else {
                throw ConfigurationError(key: "status.listen", message: "must be host:port (or [ipv6]:port, or off), not \(listenText)")
            }
            listen = parsed
        }
        var webhooksListen: ListenAddress?
        if let text = try reader.string("webhooks", "listen"), text != "off" {
            guard let parsed = ListenAddress(text) else {
                throw ConfigurationError(key: "webhooks.listen", message: "must be host:port (or [ipv6]:port, or off), not \(text)")
            }
            webhooksListen = parsed
        }
        let level = try reader.string("log", "level") ?? "info"
        guard ServiceSettings.logLevels.contains(level) else {
            throw ConfigurationError(
                key: "log.level", message: "must be one of \(ServiceSettings.logLevels.joined(separator: ", ")), not \(level)")
        }
        let settings = ServiceSettings(
            intervalSeconds: try reader.integer("sync", "interval_seconds", minimum: 1, maximum: 86_400) ?? 60,
            jitterPercent: try reader.integer("sync", "jitter_percent", minimum: 0, maximum: 50) ?? 10,
            retrySeconds: try reader.integer("sync", "retry_seconds", minimum: 1, maximum: 86_400) ?? 5,
            maxBackoffSeconds: try reader.integer("sync", "max_backoff_seconds", minimum: 1, maximum: 86_400) ?? 600,
            maxConsecutiveFailures: try reader.integer("sync", "max_consecutive_failures", minimum: 0) ?? 0,
            cycleTimeoutSeconds: try reader.integer("sync", "cycle_timeout_seconds", minimum: 10) ?? 1800,
            suspend: try reader.boolean("sync", "suspend") ?? false,
            listen: listen,
            unreadyAfterFailures: try reader.integer("status", "unready_after_failures", minimum: 1) ?? 3,
            githubSecretFile: try reader.path("webhooks", "github_secret_file"),
            gitlabTokenFile: try reader.path("webhooks", "gitlab_token_file"),
            webhooksListen: webhooksListen,
            logLevel: level,
            logFormat: try reader.choice("log", "format", ServiceSettings.LogFormat.self) ?? .auto)
        if let webhooksListen, webhooksListen == listen, webhooksListen.port != 0 {
            throw ConfigurationError(key: "webhooks.listen", message: "must differ from status.listen (\(webhooksListen))")
        }
        guard settings.maxBackoffSeconds >= settings.retrySeconds else {
            throw ConfigurationError(
                key: "sync.max_backoff_seconds",
                message: "must be at least sync.retry_seconds (\(settings.retrySeconds)), not \(settings.maxBackoffSeconds)")
        }
        return settings
    }

    public static func isValidBranchName(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("-"), !name.hasPrefix("/"), !name.hasSuffix("/"), !name.hasSuffix(".lock"),
            !name.contains(".."), !name.contains("//"), !name.contains("@{")
        else { return false }
        return name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !"~^:?*[\\".unicodeScalars.contains($0) }
    }

    private struct Reader {
        let sections: [String: [String: Node.Scalar]]
        let baseDirectory: String

        func string(_ section: String, _ key: String) throws(ConfigurationError) -> String? {
            guard let scalar = sections[section]?[key] else { return nil }
            if scalar.style == .plain && (scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null") { return nil }
            return scalar.string
        }

        func path(_ section: String, _ key: String) throws(ConfigurationError) -> String? {
            guard let value = try string(section, key) else { return nil }
            if value.hasPrefix("/") { return value }
            return ((baseDirectory as NSString).appendingPathComponent(value) as NSString).standardizingPath
        }

        func choice<Choice: RawRepresentable & CaseIterable>(
            _ section: String, _ key: String, _ type: Choice.Type
        ) throws(ConfigurationError)
            -> Choice? where Choice.RawValue == String
        {
            guard let text = try string(section, key) else { return nil }
            guard let value = Choice(rawValue: text) else {
                let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(key: "\(section).\(key)", message: "must be one of \(known), not \(text)")
            }
            return value
        }

        func boolean(_ section: String, _ key: String) throws(ConfigurationError) -> Bool? {
            guard let text = try string(section, key) else { return nil }
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw ConfigurationError(key: "\(section).\(key)", message: "must be true or false, not \(text)")
            }
        }

        func integer(_ section: String, _ key: String, minimum: Int, maximum: Int = Int.max) throws(ConfigurationError) -> Int? {
            guard let text = try string(section, key) else { return nil }
            guard let value = Int(text), value >= minimum, value <= maximum else {
                let range = maximum == Int.max ? "at least \(minimum)" : "from \(minimum) to \(maximum)"
                throw ConfigurationError(key: "\(section).\(key)", message: "must be a whole number \(range), not \(text)")
            }
            return value
        }
    }
}
