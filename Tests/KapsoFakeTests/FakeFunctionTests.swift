import CanonicalJSON
import Foundation
import KapsoAPI
import KapsoFake
import KapsoModels
import TestSupport
import Testing

/// The fake's Functions endpoints, through the real client over HTTP: the API's rules (a stale
/// `lock_version` is 409 and changes nothing, invalid fields are 422, deploy answers 202 unenveloped),
/// and no secret in any answer.
@Suite struct FakeFunctionTests {
    @Test func createUpdateAndDeployFollowTheAPIsRules() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let created = try await client.createFunction([
            "name": "Quote", "slug": "quote", "code": "export default () => 1;\n", "function_type": "cloudflare_worker",
        ])
        #expect(created.status == "draft" && created.lockVersion == 0 && created.invokeResponseMode == "passthrough")
        await #expect(throws: KapsoAPIError.self) {
            _ = try await client.createFunction(["name": "Again", "slug": "quote", "code": "", "function_type": "cloudflare_worker"])
        }
        do {
            _ = try await client.createFunction(["name": "Odd", "code": "", "function_type": "lambda"])
            Issue.record("an unknown function_type was accepted")
        } catch {
            #expect(error.status == 422)
        }

        let updated = try await client.updateFunction(id: created.id, fields: ["code": "export default () => 2;\n", "lock_version": 0])
        #expect(updated.lockVersion == 1 && updated.code == "export default () => 2;\n")
        do {
            _ = try await client.updateFunction(id: created.id, fields: ["code": "stale", "lock_version": 0])
            Issue.record("a stale lock_version was accepted")
        } catch {
            #expect(error.status == 409)
        }
        #expect(try await client.function(id: created.id).code == "export default () => 2;\n", "the 409 changed nothing")
        do {
            _ = try await client.updateFunction(id: created.id, fields: ["invoke_response_mode": "streamed"])
            Issue.record("an unknown invoke_response_mode was accepted")
        } catch {
            #expect(error.status == 422)
        }

        try await client.deployFunction(id: created.id)
        let deployed = try await client.function(id: created.id)
        #expect(deployed.status == "deployed" && deployed.lastDeployedAt != nil && !deployed.hasUndeployedChanges)
        await server.fake.setDeployOutcome(slug: "quote", .failsInBackground)
        try await client.deployFunction(id: created.id)
        #expect(try await client.function(id: created.id).status == "error")

        let list = try await client.listFunctions()
        #expect(list.functions.contains { $0.slug == "quote" } && list.invalid.isEmpty)
        #expect(await server.fake.requests().allSatisfy { !$0.path.contains("secret") })
    }
}
