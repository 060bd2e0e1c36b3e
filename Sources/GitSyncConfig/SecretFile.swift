import Foundation

/// Secrets come from files (a systemd credential first, then a configured path), never from flags or
/// the configuration file itself; errors name the key and the path, never the content.
public enum SecretFile {
    public static func read(_ path: String, key: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: key, message: "cannot read \(path)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ConfigurationError(key: key, message: "\(path) is empty") }
        return secret
    }

    /// `$CREDENTIALS_DIRECTORY/<credential>` when systemd provides it, else the file `key` names; nil when neither.
    public static func resolve(
        credential: String, file: String?, key: String, environment: [String: String]
    ) throws(ConfigurationError) -> String? {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent(credential)
            if FileManager.default.fileExists(atPath: path) {
                return try read(path, key: "$CREDENTIALS_DIRECTORY/\(credential)")
            }
        }
        guard let file else { return nil }
        return try read(file, key: key)
    }
}
