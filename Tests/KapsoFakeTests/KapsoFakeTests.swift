import CanonicalJSON
import Foundation
import KapsoAPI
import KapsoFake
import TestSupport
import Testing

@Suite struct KapsoFakeTests {
    private func minimalDefinition(message: String = "hola") -> JSONValue {
        [
            "nodes": [
                ["id": "start", "position": ["x": 0, "y": 0], "data": ["node_type": "start", "config": [:]]],
                [
                    "id": "say", "position": ["x": 240, "y": 0],
                    "data": ["node_type": "send_text", "config": ["message": .string(message)]],
                ],
            ],
            "edges": [["source": "start", "target": "say"]],
        ]
    }

    @Test(Fixtures.required) func seededFixturesComeBackAsStoredInTheReadShape() async throws {
        let server = try await FakeServer.start { try await $0.seed(fromDirectory: Fixtures.directory.path) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let list = try await client.listWorkflows()
        #expect(list.workflows.count == 6, "5 fixtures and the workflow one of them calls")
        let medicopay = try #require(list.workflows.first { $0.slug == "medicopay" })
        let definition = try await client.workflowDefinition(id: medicopay.id)
        for edge in definition.edges {
            #expect(edge["id"]?.stringValue != nil)
            #expect(edge["flow_condition_id"] != nil)
            #expect(edge["type"] == nil, "medicopay's edges carry no type in the CLI file, so the server stored none")
        }
        let report = try #require(list.workflows.first { $0.slug == "report-sender" })
        let reportDefinition = try await client.workflowDefinition(id: report.id)
        #expect(reportDefinition.edges.allSatisfy { $0["type"]?.stringValue == "default" })
        let functionNode = try #require(reportDefinition.nodes.first { $0["data"]?["node_type"]?.stringValue == "function" })
        #expect(functionNode["data"]?["config"]?["function_id"]?.stringValue != nil)
        #expect(functionNode["data"]?["config"]?["function_slug"] == nil)
        let triggers = try await client.triggers(workflowID: medicopay.id)
        #expect(triggers.map(\.triggerable) == [["phone_number_id": "1116152648243594"]])
    }

    @Test func patchWithAStaleLockVersionIs409AndChangesNothing() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let workflow = try #require(try await client.listWorkflows().workflows.first)
        let current = try #require(workflow.lockVersion)
        let updated = try await client.send(
            .updateWorkflow(workflow.id), body: ["workflow": ["lock_version": .number(JSONNumber(current)), "name": "Renamed"]])
        #expect(updated["lock_version"]?.numberValue?.intValue == current + 1)
        #expect(updated["definition"] == nil, "PATCH answers with metadata only")
        do {
            _ = try await client.send(
                .updateWorkflow(workflow.id), body: ["workflow": ["lock_version": .number(JSONNumber(current)), "name": "Lost update"]])
            Issue.record("a stale lock_version must be refused")
        } catch {
            #expect(error.status == 409)
        }
        #expect(await server.fake.workflow(id: workflow.id)?.name == "Renamed")
    }

    @Test func definitionCollectionsAreReplacedWholeAndServerFieldsKept() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 6) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let workflow = try #require(try await client.listWorkflows().workflows.first)
        _ = try await client.send(.updateWorkflow(workflow.id), body: ["workflow": ["definition": minimalDefinition()]])
        let read = try await client.workflowDefinition(id: workflow.id)
        #expect(read.nodes.compactMap { $0["id"]?.stringValue } == ["start", "say"])
        #expect(read.nodes[1]["type"]?.stringValue == "flow-node")
        #expect(read.nodes[1]["data"]?["display_name"]?.stringValue == "Send Text", "the server fills in a display name")
        #expect(read.edges.count == 1)
        #expect(read.edges[0]["label"]?.stringValue == "next")
        #expect(read.edges[0]["id"]?.stringValue != nil)
        // Omitting a collection leaves it unchanged.
        _ = try await client.send(.updateWorkflow(workflow.id), body: ["workflow": ["definition": ["edges": []]]])
        let again = try await client.workflowDefinition(id: workflow.id)
        #expect(again.nodes.count == 2)
        #expect(again.edges.isEmpty)
    }

    static let invalidDefinitions: [(JSONValue, String)] = [
        (["nodes": [["id": "1bad", "position": ["x": 0, "y": 0], "data": ["node_type": "start", "config": [:]]]]], "does not match"),
        (
            ["nodes": [["id": "a", "position": ["x": 0, "y": 0], "data": ["node_type": "teleport", "config": [:]]]]],
            "node_type must be one of"
        ),
        (["nodes": [["id": "a", "data": ["node_type": "start", "config": [:]]]]], "position is required"),
        (["edges": [["source": "a"]]], "target is required"),
        (["edges": [["source": "a", "target": "b", "colour": "red"]]], "unknown property colour"),
        (["steps": []], "unknown property steps"),
    ]

    @Test(arguments: invalidDefinitions)
    func invalidWriteShapesAre422(definition: JSONValue, message: String) async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let workflow = try #require(try await client.listWorkflows().workflows.first)
        do {
            _ = try await client.send(.updateWorkflow(workflow.id), body: ["workflow": ["definition": definition]])
            Issue.record("expected 422")
        } catch {
            #expect(error.status == 422)
            #expect(error.description.contains(message), "\(error)")
        }
        #expect(await server.fake.workflow(id: workflow.id)?.lockVersion == workflow.lockVersion)
    }

    @Test func createsWorkflowsAsDraftsAndRefusesTakenNames() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let client = server.client()
        let created = try await client.send(
            .createWorkflow, body: ["workflow": ["name": "Soporte Técnico", "definition": minimalDefinition()]])
        #expect(created["slug"]?.stringValue == "soporte-tecnico")
        #expect(created["status"]?.stringValue == "draft")
        do {
            _ = try await client.send(.createWorkflow, body: ["workflow": ["name": "Soporte Técnico"]])
            Issue.record("a taken name must be refused")
        } catch {
            #expect(error.status == 422)
            #expect(error.description.contains("Name has already been taken"))
        }
    }

    @Test func triggersAreReplacedAtomically() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let workflow = try #require(try await client.listWorkflows().workflows.first)
        let replaced = try await client.send(
            .replaceTriggers(workflow.id),
            body: [
                "triggers": [["trigger_type": "api_call"], ["trigger_type": "project_event", "event_name": "order.paid", "active": false]]
            ])
        #expect(replaced.arrayValue?.count == 2)
        do {
            _ = try await client.send(
                .replaceTriggers(workflow.id), body: ["triggers": [["trigger_type": "api_call"], ["trigger_type": "inbound_message"]]])
            Issue.record("an invalid item must refuse the whole set")
        } catch {
            #expect(error.status == 422)
        }
        let triggers = try await client.triggers(workflowID: workflow.id)
        #expect(triggers.map(\.triggerType) == ["api_call", "project_event"])
        #expect(triggers[1].triggerable == ["event_name": "order.paid"])
    }

    @Test func editorEditsMoveLockVersionAndTheListIsNewestFirst() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 2) }
        defer { Task { await server.stop() } }
        let workflows = await server.fake.workflows
        await server.fake.simulateEditorEdit(workflowID: workflows[0].id) { $0.name = "Edited" }
        let list = try await server.client().listWorkflows()
        #expect(list.workflows.map(\.id) == workflows.reversed().map(\.id))
        #expect(list.workflows.last?.lockVersion == workflows[0].lockVersion + 1)
        #expect(list.workflows.last?.name == "Edited")
        let filtered = try await server.client().send(
            Endpoint(method: "GET", path: "/workflows?name_contains=EDIT", template: "/workflows"))
        #expect(filtered.arrayValue?.count == 1)
    }

    @Test func generatedProjectsAreDeterministic() async throws {
        let a = KapsoFake(options: .init(apiKey: "k"))
        let b = KapsoFake(options: .init(apiKey: "k"))
        await a.seedGenerated(workflows: 4, nodesPerWorkflow: 8, seed: 9)
        await b.seedGenerated(workflows: 4, nodesPerWorkflow: 8, seed: 9)
        #expect(await a.workflows == b.workflows)
    }
}
