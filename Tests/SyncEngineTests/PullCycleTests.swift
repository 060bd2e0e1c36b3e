import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing

@Suite struct PullCycleTests {
    @Test(Fixtures.required) func firstImportWritesTheCLIsFilesAndASecondCycleWritesNothing() async throws {
        let harness = try await SyncHarness { try await $0.seed(fromDirectory: Fixtures.directory.path) }
        defer { Task { await harness.stop() } }

        let first = try await harness.engine.runCycle()
        #expect(first.pulled.count == 6)
        #expect(first.failures.isEmpty)
        #expect(first.commit != nil)
        for folder in Fixtures.folders {
            let yaml = try String(contentsOf: folder.appendingPathComponent("workflow.yaml"), encoding: .utf8)
            let slug = try #require(yaml.split(separator: "\n").first { $0.hasPrefix("slug: ") }?.dropFirst(6))
            for name in ["definition.json", "workflow.yaml"] {
                let expected = try Fixtures.bytes(folder.appendingPathComponent(name))
                #expect(
                    try await harness.file("workflows/\(slug)/\(name)") == expected, "workflows/\(slug)/\(name) differs from the CLI's file"
                )
            }
        }
        #expect(try await harness.file("kapso.yaml") == Array("version: 1\n".utf8))
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        let trailers = try await harness.git("log", "-1", "--format=%(trailers:key=Kapso-Workflow,valueonly)", "main")
        #expect(trailers.split(separator: "\n").count == 6)
        #expect(trailers.contains("medicopay id="))

        let second = try await harness.engine.runCycle()
        #expect(second.commit == nil)
        #expect(second.pulled.isEmpty)
        #expect(second.objectsWritten == 0)
        #expect(second.requests == 2, "the two lists: workflows and functions")
        #expect(try await harness.commitCount() == 1)
    }

    @Test func aLargeImportPullsEveryWorkflowEvenWhenTheRepositoryIsSlowerThanTheNetwork() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 300, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        let first = try await harness.engine.runCycle()
        #expect(first.pulled.count == 300)
        #expect(first.requests >= 602, "list, functions, then a definition and triggers each (retries come on top)")
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main").split(separator: "\n")
        #expect(files.count == 613, "two files for each of 300 workflows and 5 functions, and the project's three")
        let second = try await harness.engine.runCycle()
        #expect(second.requests == 2)
        #expect(second.objectsWritten == 0)
    }

    @Test func aCycleThatFetchesTimesTheTwoPartsOfItsFetchAndAnIdleCycleHasNone() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 20, nodesPerWorkflow: 5) }
        defer { Task { await harness.stop() } }
        let first = try await harness.engine.runCycle()
        #expect(
            first.phases.map(\.name) == [
                "list and plan", "fetch", "canonicalise", "write blobs", "local", "functions", "reconcile", "commit", "pack", "state",
            ])
        let parts = first.phases.filter(\.isPart)
        #expect(parts.map(\.name) == ["canonicalise", "write blobs"])
        #expect(parts.allSatisfy { $0.cpuMilliseconds > 0 }, "20 workflows take some CPU time to turn into files and write")
        #expect(parts.allSatisfy { !$0.summary.contains("/") }, "a part has no wall time of its own: \(parts.map(\.summary))")
        #expect(first.phases[1].summary.hasPrefix("fetch ") && first.phases[1].summary.contains("/"))

        let idle = try await harness.engine.runCycle()
        #expect(idle.fetched == 0)
        #expect(idle.phases.map(\.name) == ["list and plan", "fetch", "local", "functions", "reconcile", "commit", "state"])
    }

    @Test(arguments: TestAPI.allCases)
    func aLockVersionBumpWithTheSameContentWritesNothingAndIsRememberedByTheState(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 5) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: target.id) { _ in }

        let resaved = try await harness.engine.runCycle()
        #expect(resaved.commit == nil)
        #expect(resaved.unchanged == 1)
        #expect(resaved.objectsWritten == 0)
        #expect(resaved.requests == api.idleRequests.count + 2, "lists, definition, triggers")
        let next = try await harness.engine.runCycle()
        #expect(next.requests == api.idleRequests.count, "the known version is not fetched again: the lists only")
        #expect(try await harness.commitCount() == 1)
    }

    @Test(arguments: TestAPI.allCases)
    func anEditInKapsoIsPulledIntoOneCommitThatNamesIt(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.last)
        await harness.fake.simulateEditorEdit(workflowID: target.id) { workflow in
            workflow.name = "Renamed in the editor"
            workflow.status = "draft"
        }
        let report = try await harness.engine.runCycle()
        // A rename in Kapso does not move the folder on the legacy API (the slug is the repository's).
        #expect(report.pulled.map(\.slug) == [target.slug])
        let changed = try await harness.git("diff", "--name-only", "main~1", "main").split(separator: "\n").map(String.init)
        #expect(changed == [".kapso/remote-map.json", "workflows/\(target.slug)/workflow.yaml"])
        let edited = try #require(await harness.fake.workflow(id: target.id))
        let version = try #require(api.lockVersion(of: edited))
        let subject = try await harness.git("log", "-1", "--format=%s", "main")
        #expect(subject == "Pull \(target.slug) from Kapso (lock_version \(version))\n")
        let body = try await harness.git("log", "-1", "--format=%b", "main")
        #expect(body.contains("at lock_version \(version)\n  name\n  status\n"), "a changelog: \(body)")
        let yaml = String(decoding: try await harness.file("workflows/\(target.slug)/workflow.yaml"), as: UTF8.self)
        #expect(yaml.contains("name: Renamed in the editor\n"))
        #expect(yaml.contains("status: draft\n"))
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        #expect(remoteMap["workflows"]?[target.slug]?["lockVersion"]?.numberValue?.intValue == version)
    }

    /// The changelog of a pull compares only the files that changed: an edited node is named, a moved
    /// folder says its slug, and a file both versions share adds nothing.
    @Test func aPullsChangelogNamesWhatChangedInEachFile() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let workflows = await harness.fake.workflows
        let edited = workflows[0]
        let node = try #require(edited.nodes.first { $0["data"]?["config"]?["message"] != nil }?["id"]?.stringValue)
        await harness.fake.simulateEditorEdit(workflowID: edited.id) { $0.setMessage(node: node, to: "edited in Kapso") }
        await harness.fake.simulateEditorEdit(workflowID: workflows[1].id) { $0.slug = "moved-in-kapso" }
        let report = try await harness.engine.runCycle()
        let changes = Dictionary(uniqueKeysWithValues: report.pulled.map { ($0.id, $0.changes) })
        #expect(changes[edited.id] == ["node \(node): data.config.message"])
        #expect(changes[workflows[1].id] == ["slug"])
        let body = try await harness.git("log", "-1", "--format=%b", "main")
        #expect(body.contains("\n  node \(node): data.config.message\n"), "a changelog: \(body)")
    }

    @Test func oneMalformedAnswerIsReportedByNameAndTheOthersStillSync() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        let broken = try #require(await harness.fake.workflows.first)
        await harness.fake.inject(
            FakeFaultRule(pathPrefix: "/workflows/\(broken.id)/definition", fault: .replaceBody(#"{"data": {"id": "x"}}"#), count: 10))
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.count == 2)
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.workflow == "\(broken.slug) (\(broken.id))")
        #expect(report.failures.first?.reason.contains("malformed response") == true)
        await #expect(throws: (any Error).self) { try await harness.file("workflows/\(broken.slug)/definition.json") }

        // The same version is not read again (it is reported from the state) until it changes in Kapso.
        await harness.fake.clearRequests()
        let waiting = try await harness.engine.runCycle()
        #expect(waiting.failures.map(\.workflow) == ["\(broken.slug) (\(broken.id))"])
        #expect(await harness.fake.requests().count == 2, "the two lists")
        await harness.fake.clearFaults()
        await harness.fake.simulateEditorEdit(workflowID: broken.id) { $0.name = "Answered properly" }
        let recovered = try await harness.engine.runCycle()
        #expect(recovered.pulled.map(\.slug) == [broken.slug])
        #expect(recovered.failures.isEmpty)
    }

    @Test func aHostileSlugFromTheAPIIsRefusedAndNothingIsWrittenOutsideTheFolder() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        let hostile = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: hostile.id) { $0.slug = "../../escape" }
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.count == 1)
        #expect(report.failures.map(\.workflow) == ["\"\(hostile.name)\" (\(hostile.id))"])
        #expect(report.failures.first?.reason.contains("not a safe folder name") == true)
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main")
        #expect(!files.contains("escape"))
    }

    @Test func unknownNodeTypesArePulledWithEveryField() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2) }
        defer { Task { await harness.stop() } }
        let target = try #require(await harness.fake.workflows.first)
        let futureNode: JSONValue = [
            "id": "holo", "type": "flow-node", "position": ["x": 1, "y": 2],
            "data": [
                "node_type": "hologram", "config": ["intensity": .number(JSONNumber(literal: "0.75")), "nested": ["deep": [true, .null]]],
                "new_field": "kept",
            ],
        ]
        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.nodes.append(futureNode) }
        _ = try await harness.engine.runCycle()
        let definition = try JSONParser.parse(try await harness.file("workflows/\(target.slug)/definition.json"))
        #expect(definition["nodes"]?.arrayValue?.last == futureNode)
    }

    @Test func aWorkflowDeletedInKapsoIsReportedAndItsFilesKept() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let gone = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateDeletion(workflowID: gone.id)
        let report = try await harness.engine.runCycle()
        #expect(report.missingInKapso == [gone.slug])
        #expect(report.commit == nil)
        #expect(try await !harness.file("workflows/\(gone.slug)/definition.json").isEmpty)
    }

    /// The folder of a workflow deleted in Kapso is kept (`deleted_in_kapso: report`), so a new workflow
    /// with its slug waits, refused by name, until a person removes the folder; it never overwrites it.
    @Test func aWorkflowRecreatedInKapsoWithTheSameSlugTakesTheFolderOnceItIsRemoved() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let old = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateDeletion(workflowID: old.id)
        _ = try await harness.client.send(
            .createWorkflow, body: ["workflow": ["name": "Recreated", "slug": .string(old.slug)]])
        let refused = try await harness.engine.runCycle()
        #expect(refused.pulled.isEmpty && refused.missingInKapso == [old.slug])
        #expect(refused.failures.map(\.reason) == ["folder workflows/\(old.slug) is kept for workflow \(old.id), deleted in Kapso"])

        try await harness.personCommits("Remove the deleted workflow") { checkout in
            try FileManager.default.removeItem(at: checkout.appendingPathComponent("workflows/\(old.slug)"))
        }
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.map(\.slug) == [old.slug])
        #expect(report.failures.isEmpty)
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        let id = try #require(remoteMap["workflows"]?[old.slug]?["id"]?.stringValue)
        #expect(id != old.id)
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.failures.isEmpty)
    }

    @Test func anAnswerClaimingAnotherWorkflowsFolderIsRefused() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let workflows = await harness.fake.workflows
        let (victim, intruder) = (workflows[0], workflows[1])
        await harness.fake.simulateEditorEdit(workflowID: intruder.id) { $0.name = "Moved" }
        // Between the list and the definition, the intruder's answer names the victim's slug.
        let answer = try await harness.client.send(.definition(intruder.id))
        let body = String(decoding: CanonicalJSONWriter.compactBytes(answer), as: UTF8.self)
            .replacingOccurrences(of: "\"slug\":\"\(intruder.slug)\"", with: "\"slug\":\"\(victim.slug)\"")
        await harness.fake.inject(
            FakeFaultRule(pathPrefix: "/workflows/\(intruder.id)/definition", fault: .replaceBody("{\"data\":\(body)}")))
        let before = try await harness.file("workflows/\(victim.slug)/workflow.yaml")
        let report = try await harness.engine.runCycle()
        #expect(report.failures.map(\.reason) == ["folder workflows/\(victim.slug) belongs to workflow \(victim.id)"])
        #expect(try await harness.file("workflows/\(victim.slug)/workflow.yaml") == before)
    }

    @Test func aSlugChangedInKapsoMovesTheFolder() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.slug = "brand-new-slug" }
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.map(\.slug) == ["brand-new-slug"])
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main")
        #expect(files.contains("workflows/brand-new-slug/definition.json"))
        #expect(!files.contains("workflows/\(target.slug)/"))
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        #expect(remoteMap["workflows"]?[target.slug] == nil)
        #expect(remoteMap["workflows"]?["brand-new-slug"]?["id"]?.stringValue == target.id)
    }

    @Test func aFullPassCatchesTriggerEditsThatDoNotMoveLockVersion() async throws {
        let harness = try await SyncHarness(fullResyncIntervalSeconds: 0) { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        _ = try await harness.client.send(
            .replaceTriggers(target.id), body: ["triggers": [["trigger_type": "api_call"]]])
        #expect(await harness.fake.workflow(id: target.id)?.lockVersion == target.lockVersion)
        let report = try await harness.engine.runCycle()
        #expect(report.fullPass)
        #expect(report.pulled.map(\.slug) == [target.slug])
        let yaml = String(decoding: try await harness.file("workflows/\(target.slug)/workflow.yaml"), as: UTF8.self)
        #expect(yaml.hasSuffix("triggers:\n  - active: true\n    triggerType: api_call\n"))
    }

    @Test func aDryRunFetchesButWritesNothing() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        let plan = try await harness.engine.runCycle(dryRun: true)
        #expect(plan.pulled.count == 3)
        #expect(plan.commit == nil)
        #expect(plan.objectsWritten == 0)
        #expect(try await harness.git.resolve(reference: "refs/heads/main") == nil)
        #expect(!FileManager.default.fileExists(atPath: harness.directory.path + "/state/sync-state.json"))
    }

    @Test func aBranchMovedBySomeoneElseDuringTheCycleIsNeverOverwritten() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Changed" }
        let gate = FakeGate()
        defer { gate.open() }
        await harness.fake.inject(FakeFaultRule(pathPrefix: "/functions", fault: .hold(gate)))
        let cycle = Task { try await harness.engine.runCycle() }
        await gate.reached()
        // A person's commit lands on the branch while the cycle is waiting for Kapso.
        let head = try #require(try await harness.git.resolve(reference: "refs/heads/main"))
        let tree = try await harness.git.updateTree(
            base: try await harness.git.tree(ofCommit: head),
            changes: [.upsert(path: "README.md", blob: try await harness.git.writeBlob(Array("hi\n".utf8)))])
        let personal = try await harness.git.commit(
            tree: tree, parents: [head], message: "Add README\n", author: Signature(name: "P", email: "p@example.invalid"))
        try await harness.git.updateReference("refs/heads/main", to: personal, expected: head, logMessage: "person")
        gate.open()

        await #expect {
            try await cycle.value
        } throws: { error in
            guard case .branchMoved = error as? SyncError else { return false }
            return true
        }
        #expect(try await harness.git.resolve(reference: "refs/heads/main") == personal)
        let retry = try await harness.engine.runCycle()
        #expect(retry.pulled.map(\.slug) == [target.slug])
        #expect(try await harness.git("log", "--format=%s", "-2", "main").hasSuffix("Add README\n"))
        #expect(try await harness.file("README.md") == Array("hi\n".utf8))
    }
}
