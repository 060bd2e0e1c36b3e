import CanonicalJSON
import Foundation

/// A serverless function as `GET /functions/{id}` (and the answers of create and update) return it:
/// the fields the CLI writes to `function.yaml`, the code, and the versions that say when it changed.
/// Secrets are a separate resource (`/functions/{id}/secrets`) and never part of it.
public struct KapsoFunction: Sendable, Equatable {
    public let id: String
    public let slug: String
    public let name: String
    public let lockVersion: Int?
    public let status: String?
    public let functionType: String
    /// Absent in older answers: the API documents `passthrough` as its default.
    public let invokeResponseMode: String
    public let publicEndpoint: Bool
    /// Kept whole (`{}` when the server sends null or nothing, as the CLI writes it).
    public let runtimeConfig: JSONValue
    public let code: String
    public let updatedAt: String?
    public let lastDeployedAt: String?

    public init(_ value: JSONValue) throws(ModelError) {
        guard let object = value.objectValue else { throw ModelError("function is \(value.kindName), expected object") }
        id = try object.requiredString("id", in: "function")
        let context = "function \(id)"
        slug = try object.requiredString("slug", in: context)
        name = try object.requiredString("name", in: context)
        lockVersion = try object.optionalInt("lock_version", in: context)
        status = try object.optionalString("status", in: context)
        functionType = try object.requiredString("function_type", in: context)
        invokeResponseMode = try object.optionalString("invoke_response_mode", in: context) ?? "passthrough"
        switch object["public_endpoint"] {
        case .none, .null?: publicEndpoint = false
        case .bool(let flag)?: publicEndpoint = flag
        case let other?: throw ModelError("\(context): public_endpoint is \(other.kindName), expected boolean")
        }
        switch object["runtime_config"] {
        case .none, .null?: runtimeConfig = .object([:])
        case .object(let settings)?: runtimeConfig = .object(settings)
        case let other?: throw ModelError("\(context): runtime_config is \(other.kindName), expected object")
        }
        // A function's code is its content: an answer without it cannot be synced, and must not look empty.
        code = try object.requiredString("code", in: context)
        updatedAt = try object.optionalString("updated_at", in: context)
        lastDeployedAt = try object.optionalString("last_deployed_at", in: context)
    }

    /// Whether Kapso may be running other code than it holds: not deployed, or changed since its last
    /// deployment. Timestamps that cannot be compared count as changed (deploying again is harmless).
    public var hasUndeployedChanges: Bool {
        guard status == "deployed", let lastDeployedAt else { return true }
        guard let updatedAt else { return false }
        guard let updated = Self.seconds(updatedAt), let deployed = Self.seconds(lastDeployedAt) else { return true }
        return updated > deployed
    }

    /// Seconds since the epoch of an ISO 8601 time (`Z` or an offset, with or without fractions).
    static func seconds(_ text: String) -> Double? {
        let strategy = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? strategy.parse(text) { return date.timeIntervalSince1970 }
        return (try? Date.ISO8601FormatStyle().parse(text))?.timeIntervalSince1970
    }
}
