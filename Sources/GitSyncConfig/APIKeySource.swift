import Foundation
import KapsoAPI

/// Where the API key comes from: never a flag (it would show in `ps`), never the config file itself.
public enum APIKeySource {
    public static let environmentVariable = "KAPSO_API_KEY"
    public static let credentialName = "kapso-api-key"

    public static func resolve(file: String?, environment: [String: String]) throws(ConfigurationError) -> APIKey {
        if let value = environment[environmentVariable], !value.isEmpty {
            return APIKey(value)
        }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent(credentialName)
            if FileManager.default.fileExists(atPath: path) {
                return try read(path, key: "$CREDENTIALS_DIRECTORY/\(credentialName)")
            }
        }
        if let file {
            return try read(file, key: "kapso.api_key_file")
        }
        throw ConfigurationError(
            key: "kapso.api_key_file",
            message: "no API key: set \(environmentVariable), provide the systemd credential \(credentialName), or name a key file")
    }

    private static func read(_ path: String, key: String) throws(ConfigurationError) -> APIKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: key, message: "cannot read \(path)")
        }
        let apiKey = APIKey(text)
        guard !apiKey.isEmpty else { throw ConfigurationError(key: key, message: "\(path) is empty") }
        return apiKey
    }
}
