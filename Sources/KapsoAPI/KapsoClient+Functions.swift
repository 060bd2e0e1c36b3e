import CanonicalJSON
import KapsoModels

/// The Functions endpoints. Function secrets (`/functions/{id}/secrets`) are never read or written.
extension KapsoClient {
    public func listFunctions() async throws(KapsoAPIError) -> FunctionList {
        let endpoint = Endpoint.listFunctions
        let data = try await send(endpoint)
        guard let items = data.arrayValue else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "data is \(data.kindName), expected array")
        }
        return FunctionList(items: items)
    }

    public func function(id: String) async throws(KapsoAPIError) -> KapsoFunction {
        try await functionAnswer(.function(id))
    }

    public func createFunction(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        try await functionAnswer(.createFunction, body: ["function": .object(fields)])
    }

    public func updateFunction(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        try await functionAnswer(.updateFunction(id), body: ["function": .object(fields)])
    }

    /// The answer (202) is not enveloped in `data`, and says only that the deployment started.
    public func deployFunction(id: String) async throws(KapsoAPIError) {
        _ = try await sendForDocument(.deployFunction(id), body: .object([:]))
    }

    private func functionAnswer(_ endpoint: Endpoint, body: JSONValue? = nil) async throws(KapsoAPIError) -> KapsoFunction {
        let data = try await send(endpoint, body: body)
        do {
            return try KapsoFunction(data)
        } catch {
            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
        }
    }
}
