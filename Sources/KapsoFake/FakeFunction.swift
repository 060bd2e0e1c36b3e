import CanonicalJSON

/// A serverless function as the fake stores it, with the fields of the API's `Function` schema.
public struct FakeFunction: Sendable, Equatable {
    /// What a deployment of this function does: the fake's way to make one fail.
    public enum DeployOutcome: Sendable, Equatable {
        case deploys
        /// `POST /functions/{id}/deploy` answers 422 with this message.
        case refused(String)
        /// The deployment is accepted (202) and fails in the background: `status` becomes `error`.
        case failsInBackground
    }

    public var id: String
    public var slug: String
    public var name: String
    public var description: String?
    public var code: String
    public var functionType = "cloudflare_worker"
    public var invokeResponseMode = "passthrough"
    public var publicEndpoint = false
    public var runtimeConfig: [String: JSONValue] = [:]
    public var lockVersion = 1
    public var status = "deployed"
    public var version: Int? = 1
    public var createdAt: String
    public var updatedAt: String
    public var lastDeployedAt: String?
    public var deployOutcome = DeployOutcome.deploys
    /// How many deployments were started.
    public var deployments = 0

    static let defaultCode = "export default async function handler(request) {\n  return new Response(\"ok\");\n}\n"

    func json(projectID: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "slug": .string(slug), "description": description.map { .string($0) } ?? .null,
            "code": .string(code), "function_type": .string(functionType), "invoke_response_mode": .string(invokeResponseMode),
            "public_endpoint": .bool(publicEndpoint), "runtime_config": .object(runtimeConfig),
            "lock_version": .number(JSONNumber(lockVersion)), "status": .string(status),
            "version": version.map { .number(JSONNumber($0)) } ?? .null, "project_id": .string(projectID),
            "created_by_id": .null, "created_at": .string(createdAt), "updated_at": .string(updatedAt),
            "last_deployed_at": lastDeployedAt.map { .string($0) } ?? .null,
        ]
        object["endpoint_url"] = .string("https://api.kapso.ai/platform/v1/functions/\(id)/invoke")
        return .object(object)
    }
}
