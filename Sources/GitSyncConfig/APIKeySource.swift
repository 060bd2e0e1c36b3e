import Foundation
import KapsoModels

/// Where the API key comes from: never a flag (it would show in `ps`), never the config file itself.
public enum APIKeySource {
    public static let environmentVariable = "KAPSO_API_KEY"
    public static let credentialName = "kapso-api-key"

    public static func resolve(file: String?, environment: [String: String]) throws(ConfigurationError) -> APIKey {
        if let value = environment[environmentVariable], !value.isEmpty {
            return APIKey(value)
        }
        if let secret = try SecretFile.resolve(credential: credentialName, file: file, key: "kapso.api_key_file", environment: environment)
        {
            return APIKey(secret)
        }
        throw ConfigurationError(
            key: "kapso.api_key_file",
            message: "no API key: set \(environmentVariable), provide the systemd credential \(credentialName), or name a key file")
    }
}
