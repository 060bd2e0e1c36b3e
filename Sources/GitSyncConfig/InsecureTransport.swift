import Foundation

/// A credential must not cross a network in clear text: an `http://` URL that a key or token is sent
/// to is refused unless it is on this machine (loopback) or the operator says the network is trusted
/// (`allow_insecure: true` in the same section).
public enum InsecureTransport {
    /// The error for `url` (the value of `key`), or nil when it may carry a credential.
    public static func refusal(url: String, key: String, credential: String, allowInsecure: Bool) -> ConfigurationError? {
        guard !allowInsecure, let components = URLComponents(string: url), components.scheme?.lowercased() == "http" else { return nil }
        let host = components.host ?? ""
        guard !isLoopback(host) else { return nil }
        let section = key.split(separator: ".").first.map(String.init) ?? key
        return ConfigurationError(
            key: key,
            message: "http://\(host) would send \(credential) in clear text: use https, or set \(section).allow_insecure: true "
                + "for a network you trust")
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
