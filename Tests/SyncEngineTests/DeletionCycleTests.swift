import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

@Suite struct DeletionCycleTests {
    static func removeFolders(_ harness: SyncHarness, _ slugs: [String]) async throws {
        try await harness.personCommits("Remove \(slugs.joined(separator: ", "))") { checkout in
            for slug in slugs { try FileManager.default.removeItem(at: checkout.appendingPathComponent("workflows/\(slug)")) }
        }
    }

    @Test func byDefaultAFolderRemovedInGitIsOnlyReported() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await Self.removeFolders(harness, ["generated-1"])
        await harness.fake.clearRequests()
        let report = try await harness.engine.runCycle()
        #expect(report.deletedInGit == ["generated-1"])
        #expect(await harness.fake.workflow(slug: "generated-1")?.status != "archived")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" })
    }

    @Test func withArchiveAFolderRemovedInGitArchivesTheWorkflowOnce() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInGit = .archive }) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await Self.removeFolders(harness, ["generated-1"])
        let report = try await harness.engine.runCycle()
        #expect(report.archived == ["generated-1"])
        let archived = try #require(await harness.fake.workflow(slug: "generated-1"))
        #expect(archived.status == "archived")
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        #expect(remoteMap["workflows"]?["generated-1"]?["files"] == [:], "a tombstone")

        await harness.fake.clearRequests()
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges)
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" })

        // Someone brings it back to life in Kapso: the folder returns.
        await harness.fake.simulateEditorEdit(workflowID: archived.id) { $0.status = "active" }
        let revived = try await harness.engine.runCycle()
        #expect(revived.pulled.map(\.slug) == ["generated-1"])
        #expect(try await harness.file("workflows/generated-1/workflow.yaml").isEmpty == false)
    }

    @Test func withRemoveAWorkflowGoneFromKapsoLosesItsFolder() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInKapso = .remove }) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let gone = try #require(await harness.fake.workflow(slug: "generated-2"))
        await harness.fake.simulateDeletion(workflowID: gone.id)
        let report = try await harness.engine.runCycle()
        #expect(report.removed == ["generated-2"])
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main")
        #expect(!files.contains("workflows/generated-2/"))
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges)
    }

    @Test func anUnreadableListEntryIsNeverTakenForADeletion() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInKapso = .remove }) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let workflows = await harness.fake.workflows
        var entries: [JSONValue] = workflows.dropLast().map { workflow in
            [
                "id": .string(workflow.id), "name": .string(workflow.name), "slug": .string(workflow.slug),
                "status": .string(workflow.status),
                "lock_version": .number(JSONNumber(workflow.lockVersion)),
            ]
        }
        entries.append(["id": .string(workflows.last!.id), "name": "No slug"])
        let body = String(decoding: CanonicalJSONWriter.compactBytes(["data": .array(entries)]), as: UTF8.self)
        await harness.fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows", fault: .replaceBody(body)))
        let report = try await harness.engine.runCycle()
        #expect(report.removed.isEmpty)
        #expect(report.failures.map(\.workflow) == ["\"No slug\""])
        #expect(try await !harness.file("workflows/\(workflows.last!.slug)/definition.json").isEmpty)
    }

    @Test func theBrakeRefusesAMassDeletionAndWritesNothing() async throws {
        let harness = try await SyncHarness(configure: { $0.deletedInGit = .archive }) {
            await $0.seedGenerated(workflows: 6, nodesPerWorkflow: 3)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await Self.removeFolders(harness, (0..<4).map { "generated-\($0)" })
        let head = try await harness.git("rev-parse", "main")
        await harness.fake.clearRequests()
        do {
            _ = try await harness.engine.runCycle()
            Issue.record("the brake must refuse this cycle")
        } catch {
            #expect(error.metricLabel == "deletion_brake")
            #expect(error.description.contains("would archive or remove 4 of 6 workflows"))
        }
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" })
        #expect(try await harness.git("rev-parse", "main") == head)
        #expect(await harness.fake.workflows.allSatisfy { $0.status != "archived" })
    }
}
