import CanonicalJSON
import KapsoModels

/// The Functions endpoints. Function secrets (`/functions/{id}/secrets`) are never read or written.
extension KapsoClient {
    public func listFunctions() async throws(KapsoAPIError) -> FunctionList {
        FunctionList(items: try await sendForArray(.listFunctions))
    }

    public func functionListAnswer() async throws(KapsoAPIError) -> [UInt8]? {
        try await unparsedAnswer(.listFunctions)
    }

    public func listFunctions(answer: [UInt8]) async throws(KapsoAPIError) -> FunctionList {
        guard let document = try? JSONParser.parse(answer), let data = document["data"] else { return try await listFunctions() }
        return FunctionList(items: try Self.items(of: data, endpoint: .listFunctions))
    }

    public func function(id: String) async throws(KapsoAPIError) -> KapsoFunction {
        try await functionAnswer(.function(id))
    }

    public func createFunction(_ fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        try await writtenFunction(.createFunction, body: ["function": .object(fields)])
    }

    public func updateFunction(id: String, fields: [String: JSONValue]) async throws(KapsoAPIError) -> KapsoFunction {
        try await writtenFunction(.updateFunction(id), body: ["function": .object(fields)])
    }

    /// The answer to a write; one that names the function but leaves a field out (the code, say) is
    /// followed by a read of the function, since the write has landed either way.
    private func writtenFunction(_ endpoint: Endpoint, body: JSONValue) async throws(KapsoAPIError) -> KapsoFunction {
        let data = try await send(endpoint, body: body)
        if let function = try? KapsoFunction(data) { return function }
        guard let id = data["id"]?.stringValue else {
            throw .malformedResponse(endpoint: endpoint.description, detail: "the answer names no function id")
        }
        return try await function(id: id)
    }

    /// The answer (202) is not enveloped in `data`, and says only that the deployment started.
    public func deployFunction(id: String) async throws(KapsoAPIError) {
        _ = try await sendForDocument(.deployFunction(id), body: .object([:]))
    }

    private func functionAnswer(_ endpoint: Endpoint) async throws(KapsoAPIError) -> KapsoFunction {
        let data = try await send(endpoint)
        do {
            return try KapsoFunction(data)
        } catch {
            throw .malformedResponse(endpoint: endpoint.description, detail: error.description)
        }
    }
}
