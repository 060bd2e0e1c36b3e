import Foundation
import SyncEngine
import Yams

/// Reads and checks the YAML configuration file. Unknown keys are errors (a typo must not silently
/// fall back to a default); relative paths are taken from the file's folder.
public enum ConfigurationLoader {
    static let knownKeys: [String: Set<String>] = [
        "kapso": ["api_url", "api_key_file", "requests_per_minute", "concurrency", "timeout_seconds", "max_attempts", "project_name"],
        "repository": ["path", "branch", "author_name", "author_email"],
        "state": ["directory"],
        "sync": [
            "full_resync_interval_seconds", "deleted_in_git", "deleted_in_kapso", "deletion_brake_count", "deletion_brake_percent",
        ],
    ]

    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError)
        -> Configuration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: path, message: "cannot read the configuration file")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(text, source: path, baseDirectory: folder.isEmpty ? "." : folder, environment: environment)
    }

    public static func parse(
        _ text: String, source: String, baseDirectory: String, environment: [String: String]
    ) throws(ConfigurationError) -> Configuration {
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
        let reader = Reader(sections: sections, baseDirectory: baseDirectory)
        let apiURLText = try reader.string("kapso", "api_url") ?? Configuration.defaultAPIURL.absoluteString
        guard let apiURL = URL(string: apiURLText), let scheme = apiURL.scheme, ["http", "https"].contains(scheme),
            apiURL.host != nil
        else {
            throw ConfigurationError(key: "kapso.api_url", message: "must be an http or https URL")
        }
        guard let repositoryPath = try reader.path("repository", "path") else {
            throw ConfigurationError(key: "repository.path", message: "is required")
        }
        let branch = try reader.string("repository", "branch") ?? "main"
        guard Self.isValidBranchName(branch) else {
            throw ConfigurationError(key: "repository.branch", message: "\(branch) is not a valid branch name")
        }
        let stateDirectory =
            try reader.path("state", "directory") ?? environment["STATE_DIRECTORY"].flatMap {
                $0.split(separator: ":").first.map(String.init)
            }
            ?? repositoryPath + ".state"
        return Configuration(
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
            deletedInGit: try reader.choice("sync", "deleted_in_git", SyncConfiguration.DeletedInGit.self) ?? .report,
            deletedInKapso: try reader.choice("sync", "deleted_in_kapso", SyncConfiguration.DeletedInKapso.self) ?? .report,
            deletionBrakeCount: try reader.integer("sync", "deletion_brake_count", minimum: 0) ?? 3,
            deletionBrakePercent: try reader.integer("sync", "deletion_brake_percent", minimum: 0, maximum: 100) ?? 10)
    }

    static func isValidBranchName(_ name: String) -> Bool {
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
