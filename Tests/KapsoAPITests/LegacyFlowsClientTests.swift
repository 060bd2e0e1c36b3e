import CanonicalJSON
import Foundation
import KapsoAPI
import KapsoFake
import KapsoModels
import Synchronization
import TestSupport
import Testing

/// The legacy Flows API client against the fake's `/api/v1` (the same workflows as its Platform side),
/// and against scripted answers for what the fake cannot stage.
@Suite struct LegacyFlowsClientTests {
    static func legacyClient(_ server: FakeServer) async -> LegacyFlowsClient {
        let url = await server.fake.legacyBaseURL!
        return LegacyFlowsClient(
            http: KapsoClient(
                configuration: KapsoClientConfiguration(
                    baseURL: url, apiKey: APIKey(FakeServer.apiKey), requestTimeout: .seconds(30),
                    retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)), requestsPerMinute: 0,
                    concurrency: 2)))
    }

    @Test func flowsReadAsWorkflowsWithSlugsFromTheirNamesAndVersionsFromTheirTimes() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await server.stop() } }
        let client = await Self.legacyClient(server)
        let first = try #require(await server.fake.workflows.first)
        await server.fake.simulateEditorEdit(workflowID: first.id) { $0.name = "Generated 1" }
        client.rememberSlugs([:], creatingByName: [:])

        let list = try await client.listWorkflows()
        #expect(list.invalid.isEmpty)
        #expect(Set(list.workflows.map(\.slug)) == ["generated-1", "generated-1-2"], "the older flow keeps the plain slug")
        let edited = try #require(await server.fake.workflow(id: first.id))
        #expect(list.workflows.first { $0.id == first.id }?.lockVersion == LegacyVersion.lockVersion(updatedAt: edited.updatedAt))
        let definition = try await client.workflowDefinition(id: first.id)
        #expect(definition.nodes.allSatisfy { $0["data"]?["node_type"]?.stringValue != nil && $0["data"]?["nodeType"] == nil })
        #expect(client.dialect == .legacy)
        #expect(try await client.listFunctions().functions.isEmpty)
    }

    @Test func aMissingFlowIsReportedWithTheLegacyErrorsWords() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let client = await Self.legacyClient(server)
        await #expect {
            _ = try await client.workflowDefinition(id: "nope")
        } throws: { error in
            (error as? KapsoAPIError)?.description == "GET /flows/nope/definition: HTTP 404: Flow not found (Flow not found)"
        }
    }

    @Test func aStatusTheLegacyAPICannotWriteIsRefusedBeforeAnyWrite() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3, seed: 3) }
        defer { Task { await server.stop() } }
        let client = await Self.legacyClient(server)
        let flow = try #require(await server.fake.workflows.first)
        let read = try await client.workflowDefinition(id: flow.id)
        let other = read.workflow.status == "active" ? "archived" : "active"
        await server.fake.clearRequests()
        await #expect {
            _ = try await client.updateWorkflow(
                id: flow.id, fields: ["status": .string(other), "lock_version": .number(JSONNumber(read.workflow.lockVersion!))])
        } throws: { error in
            (error as? KapsoAPIError)?.status == 422 && "\(error)".contains("cannot change a flow's status")
        }
        #expect(await server.fake.requests().allSatisfy { $0.method == "GET" })
    }

    /// Two saves within one tick of `updated_at` leave it where it was: the content read before the
    /// write still tells that the flow changed, and nothing is written.
    @Test func aChangeThatLeavesUpdatedAtUnmovedIsStillSeenBeforeTheWrite() async throws {
        let transport = ScriptedFlows()
        let client = LegacyFlowsClient(
            http: KapsoClient(
                configuration: KapsoClientConfiguration(
                    baseURL: URL(string: "http://127.0.0.1:9/api/v1")!, apiKey: APIKey("k"), requestTimeout: .seconds(5),
                    retry: RetryPolicy(maxAttempts: 1), requestsPerMinute: 0, concurrency: 1),
                transport: transport))
        let read = try await client.workflowDefinition(id: "f1")
        transport.message.withLock { $0 = "changed by someone, same second" }
        await #expect {
            _ = try await client.updateWorkflow(
                id: "f1", fields: ["name": "Flow", "lock_version": .number(JSONNumber(read.workflow.lockVersion!))])
        } throws: { error in
            (error as? KapsoAPIError)?.status == 409
        }
        #expect(transport.methods.withLock { $0 } == ["GET", "GET"], "read, read again, no PATCH")
    }
}

/// One flow whose `updated_at` never moves, with a message a test may change.
final class ScriptedFlows: HTTPTransport {
    let message = Mutex("Hola")
    let methods = Mutex<[String]>([])

    func send(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        methods.withLock { $0.append(request.method) }
        let node: JSONValue = [
            "id": "hello", "position": ["x": 0, "y": 0],
            "data": ["nodeType": "send_text", "config": ["message": .string(message.withLock { $0 })]],
        ]
        let flow: JSONValue = [
            "data": [
                "id": "f1", "name": "Flow", "status": "draft", "updated_at": "2026-01-01T00:00:00Z",
                "definition": ["nodes": [node], "edges": []],
            ]
        ]
        return HTTPResponse(status: 200, body: CanonicalJSONWriter.compactBytes(flow))
    }
}
