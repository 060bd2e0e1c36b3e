import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing

@Suite struct PushCycleTests {
    /// A project whose first workflow has a send_text node `step_1`.
    static func seed(_ fake: KapsoFake) async {
        await fake.seedGenerated(workflows: 3, nodesPerWorkflow: 4, seed: 7)
    }

    @Test(arguments: TestAPI.allCases)
    func aChangeMergedInGitReachesKapsoExactlyOnceAndNothingEchoes(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (before, node) = try await harness.personRewords(slug, to: "Hola, ¿cómo va? 👋")
        await harness.fake.clearRequests()

        let report = try await harness.engine.runCycle()
        #expect(report.pushed.map(\.slug) == [slug])
        #expect(report.conflicts.isEmpty)
        let after = try #require(await harness.fake.workflow(slug: slug))
        #expect(after.lockVersion == before.lockVersion + 1)
        let message = after.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue
        #expect(message == "Hola, ¿cómo va? 👋")
        let patches = await harness.fake.requests().filter { $0.method == "PATCH" }
        #expect(patches.count == 1)
        #expect(patches.first?.status == 200)
        #expect(api.triggerWrites(await harness.fake.requests()) == 0, "the triggers did not change")
        let subject = try await harness.git("log", "-1", "--format=%s", "main")
        #expect(subject == "Record push of \(slug) to Kapso (now lock_version \(api.lockVersion(of: after) ?? 0))\n")

        // The cycle after a push writes nothing on either side.
        await harness.fake.clearRequests()
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil)
        #expect(quiet.pushed.isEmpty && quiet.pulled.isEmpty)
        #expect(quiet.objectsWritten == 0)
        #expect(await harness.fake.requests().map(\.method) == api.idleRequests, "the lists: workflows and functions")
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }

    @Test(arguments: TestAPI.allCases)
    func changedTriggersAreReplacedInKapso(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-0"
        try await harness.personCommits("Trigger by API too") { checkout in
            let url = checkout.appendingPathComponent("workflows/\(slug)/workflow.yaml")
            var yaml = try String(contentsOf: url, encoding: .utf8)
            yaml += "  - active: false\n    triggerType: api_call\n"
            try Data(yaml.utf8).write(to: url)
        }
        await harness.fake.clearRequests()
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.map(\.slug) == [slug])
        #expect(api.triggerWrites(await harness.fake.requests()) == 1, "the new trigger alone is written")
        let triggers = try #require(await harness.fake.workflow(slug: slug)?.triggers)
        #expect(triggers.map(\.triggerType) == ["inbound_message", "api_call"])
        #expect(triggers.map(\.active) == [true, false])
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges)
    }

    @Test(Fixtures.required) func kapsosNormalisedFormIsRecordedSoTheNextCycleSeesNoChange() async throws {
        let harness = try await SyncHarness { try await $0.seed(fromDirectory: Fixtures.directory.path) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        // vigi-atencion's nodes have no display_name; Kapso fills one in for a node it sees as new.
        try await harness.personCommits("Add a goodbye node") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/atendimento-bot/definition.json")) { definition in
                guard case .object(var root) = definition, case .array(var nodes)? = root["nodes"] else { return }
                nodes.append([
                    "id": "goodbye", "type": "flow-node", "position": ["x": 0, "y": 1000],
                    "data": ["node_type": "handoff", "config": ["reason": "done"]],
                ])
                root["nodes"] = .array(nodes)
                definition = .object(root)
            }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.map(\.slug) == ["atendimento-bot"])
        let definition = try JSONParser.parse(try await harness.file("workflows/atendimento-bot/definition.json"))
        let goodbye = definition["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == "goodbye" }
        #expect(goodbye?["data"]?["display_name"]?.stringValue == "Handoff", "Kapso's form is committed")
        let next = try await harness.engine.runCycle()
        #expect(next.commit == nil && next.pushed.isEmpty && next.pulled.isEmpty)
    }

    @Test(arguments: TestAPI.allCases)
    func theSameFieldEditedInBothPlacesIsAConflictOnItsOwnBranchAndTheResolutionIsPushed(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (workflow, node) = try await harness.personRewords(slug, to: "from git")
        await harness.fake.simulateEditorEdit(workflowID: workflow.id) {
            $0.name = "Renamed in Kapso"
            $0.setMessage(node: node, to: "from Kapso")
        }
        let mainBefore = try await harness.git("rev-parse", "main")

        let report = try await harness.engine.runCycle()
        #expect(report.pushed.isEmpty && report.merged.isEmpty)
        #expect(report.conflicts.map(\.workflow) == [slug])
        #expect(report.conflicts.first?.branch == "kapso-gitsync/conflict/\(slug)")
        #expect(report.conflicts.first?.details.count == 1, "one field in conflict, named with both values")
        #expect(report.conflicts.first?.details.first?.contains("data.config.message") == true)
        #expect(try await harness.git("rev-parse", "main") == mainBefore, "the branch keeps the person's files")
        #expect(await harness.fake.workflow(id: workflow.id)?.lockVersion == workflow.lockVersion + 1, "nothing was sent to Kapso")
        let branch = "kapso-gitsync/conflict/\(slug)"
        let kapsoDefinition = try await harness.file("workflows/\(slug)/definition.json", at: branch)
        #expect(String(decoding: kapsoDefinition, as: UTF8.self).contains("from Kapso"))
        // The branch starts where both sides agreed: its diff is Kapso's change alone.
        let forkedAt = try await harness.git("rev-parse", "\(branch)^")
        #expect(forkedAt == (try await harness.git("rev-parse", "main^")), "forked from the last commit in sync")
        let message = try await harness.git("log", "-1", "--format=%B", branch)
        #expect(message.contains("git has \"from git\", Kapso has \"from Kapso\""), "\(message)")

        // A second cycle does not pile up commits on the conflict branch.
        let conflictTip = try await harness.git("rev-parse", branch)
        _ = try await harness.engine.runCycle()
        #expect(try await harness.git("rev-parse", branch) == conflictTip)

        // In the pull request the person takes Kapso's version of the node and keeps their own wording.
        try await harness.personMerges(branch) { checkout in
            let url = checkout.appendingPathComponent("workflows/\(slug)/definition.json")
            try Data(kapsoDefinition).write(to: url)
            try editJSON(url) { $0.setMessage(node: node, to: "from both") }
        }
        let resolved = try await harness.engine.runCycle()
        #expect(resolved.pushed.map(\.slug) == [slug], "\(resolved.summaryLines())")
        #expect(resolved.conflicts.isEmpty)
        let final = try #require(await harness.fake.workflow(id: workflow.id))
        #expect(final.name == "Renamed in Kapso")
        #expect(final.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue == "from both")
        #expect(try await harness.git("branch", "--list", "kapso-gitsync/*").isEmpty, "the conflict branch is gone once resolved")
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && quiet.pushed.isEmpty && quiet.pulled.isEmpty && quiet.conflicts.isEmpty)
    }

    /// On the Platform API the edit lands just before the PATCH, which Kapso refuses (409). On the legacy
    /// API it lands between the cycle's read of the flow and the read the client makes just before its
    /// PATCH (the last moment a client can see it), which finds the flow moved.
    @Test(arguments: TestAPI.allCases)
    func anEditInKapsoDuringThePushIsNeverOverwritten(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-2"
        let (workflow, node) = try await harness.personRewords(slug, to: "from git")
        let edit: @Sendable (isolated KapsoFake) -> Void = { fake in
            fake.simulateEditorEdit(workflowID: workflow.id) { $0.name = "Edited during the push" }
        }
        switch api {
        case .platform:
            await harness.fake.onceBefore(method: "PATCH", edit)
        case .legacy:
            // The cycle's read of the definition, then someone's edit, then the client's read before its PATCH.
            let definition = "/flows/\(workflow.id)/definition"
            await harness.fake.onceBefore(method: "GET", path: definition) { fake in
                fake.onceBefore(method: "GET", path: definition, edit)
            }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.isEmpty)
        #expect(report.conflicts.first?.reason == "Kapso changed it while it was being pushed (409)")
        let kapso = try #require(await harness.fake.workflow(id: workflow.id))
        #expect(kapso.name == "Edited during the push")
        #expect(kapso.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue != "from git")
        #expect(try await harness.git("branch", "--list", "kapso-gitsync/conflict/\(slug)").contains("conflict"))
        let kapsoVersion = try await harness.file("workflows/\(slug)/workflow.yaml", at: "kapso-gitsync/conflict/\(slug)")
        #expect(String(decoding: kapsoVersion, as: UTF8.self).contains("name: Edited during the push"), "kept on the branch")
        let kept = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json"))
        #expect(kept["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"] == "from git")
    }

    /// The legacy API's residual window, narrowed: someone's save lands after the PATCH and before the
    /// client reads the flow back. What Kapso holds is not what was written, so it is someone else's
    /// version: kept on a conflict branch, while git keeps the person's.
    @Test func anEditLandingBetweenALegacyWriteAndItsReadBackIsKeptOnAConflictBranch() async throws {
        let harness = try await SyncHarness(api: .legacy) { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-2"
        let (workflow, node) = try await harness.personRewords(slug, to: "from git")
        let original = try #require(workflow.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue)
        // Their editor still showed the version before the push: saving it puts the old message back.
        await harness.fake.onceBefore(method: "PATCH", path: "/flows/\(workflow.id)") { fake in
            fake.onceBefore(method: "GET", path: "/flows/\(workflow.id)/definition") { fake in
                fake.simulateEditorEdit(workflowID: workflow.id) {
                    $0.name = "Saved from an old tab"
                    $0.setMessage(node: node, to: original)
                }
            }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.isEmpty)
        #expect(report.conflicts.map(\.workflow) == [slug], "\(report.summaryLines())")
        let branch = "kapso-gitsync/conflict/\(slug)"
        let theirs = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml", at: branch), as: UTF8.self)
        #expect(theirs.contains("name: Saved from an old tab"))
        let ours = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json"))
        #expect(ours["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"] == "from git")
    }

    @Test func anInvalidChangeIsNotSentAndTheRestStillSyncs() async throws {
        let harness = try await SyncHarness { await Self.seed($0) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let other = try #require(await harness.fake.workflow(slug: "generated-0"))
        try await harness.personCommits("Break a workflow") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/generated-1/definition.json")) { definition in
                guard case .object(var root) = definition else { return }
                root["edges"] = [["source": "start", "target": "nowhere", "label": "next"]]
                definition = .object(root)
            }
        }
        await harness.fake.simulateEditorEdit(workflowID: other.id) { $0.name = "Still pulled" }
        await harness.fake.clearRequests()
        let report = try await harness.engine.runCycle()
        #expect(
            report.invalid.map(\.reason) == [
                "workflows/generated-1/definition.json: edges-reference-nodes: edge start → nowhere: no node nowhere"
            ])
        #expect(report.pulled.map(\.slug) == ["generated-0"])
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" })
        #expect(report.needsAttention)
    }

    @Test(Fixtures.required) func afterACrashBetweenThePatchAndTheCommitTheNextCycleTakesKapsosFormWithoutAFalseConflict() async throws {
        let harness = try await SyncHarness { try await $0.seed(fromDirectory: Fixtures.directory.path) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "atendimento-bot"
        let workflow = try #require(await harness.fake.workflow(slug: slug))
        try await harness.personCommits("Add a node") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) { definition in
                guard case .object(var root) = definition, case .array(var nodes)? = root["nodes"] else { return }
                nodes.append([
                    "id": "late", "type": "flow-node", "position": ["x": 0, "y": 0], "data": ["node_type": "handoff", "config": [:]],
                ])
                root["nodes"] = .array(nodes)
                definition = .object(root)
            }
        }
        // The push that crashed: its intent is on file and Kapso took the change (and normalised it),
        // but no commit recorded it. Kapso fails every read after the PATCH.
        await harness.fake.onceBefore(method: "PATCH") { fake in
            fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows/\(workflow.id)/definition", fault: .status(500), count: 10))
        }
        let interrupted = try await harness.engine.runCycle()
        #expect(interrupted.pushed.isEmpty)
        #expect(interrupted.failures.first?.reason.contains("reading it back failed") == true)
        #expect(await harness.fake.workflow(id: workflow.id)?.lockVersion == workflow.lockVersion + 1)
        await harness.fake.clearFaults()

        let recovered = try await harness.engine.runCycle()
        #expect(recovered.conflicts.isEmpty)
        #expect(recovered.pulled.map(\.slug) == [slug], "Kapso's form of the push is taken")
        #expect(await harness.fake.workflow(id: workflow.id)?.lockVersion == workflow.lockVersion + 1, "no second write")
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && quiet.pushed.isEmpty && quiet.pulled.isEmpty && quiet.conflicts.isEmpty)
    }
}

@Suite struct CreateCycleTests {
    static let definition: JSONValue = [
        "nodes": [
            ["id": "start", "type": "flow-node", "position": ["x": 0, "y": 0], "data": ["node_type": "start", "config": [:]]],
            [
                "id": "hello", "type": "flow-node", "position": ["x": 0, "y": 200],
                "data": ["node_type": "send_text", "config": ["message": "Bienvenida", "phone_number_id": "1555"]],
            ],
        ],
        "edges": [["source": "start", "target": "hello", "label": "next"]],
    ]
    static let yaml = """
        definition: definition.json
        name: Welcome back
        slug: welcome-back
        status: active
        triggers:
          - active: true
            phoneNumberId: "1555"
            triggerType: inbound_message

        """

    /// The legacy API cannot set a status (a new flow is a draft) and its triggers name a WhatsApp config.
    static let legacyYAML = """
        definition: definition.json
        name: Welcome back
        slug: welcome-back
        status: draft
        triggers:
          - active: true
            triggerType: inbound_message
            triggerableAttributes:
              whatsapp_config_id: "1555"

        """

    func addFolder(_ harness: SyncHarness, api: TestAPI = .platform) async throws {
        try await harness.personCommits("Add welcome-back") { checkout in
            let folder = checkout.appendingPathComponent("workflows/welcome-back")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(CanonicalJSONWriter.canonicalBytes(Self.definition)).write(to: folder.appendingPathComponent("definition.json"))
            try Data((api == .platform ? Self.yaml : Self.legacyYAML).utf8).write(to: folder.appendingPathComponent("workflow.yaml"))
        }
    }

    @Test(arguments: TestAPI.allCases)
    func aNewFolderInGitBecomesAWorkflowInKapsoOnce(api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await addFolder(harness, api: api)
        let report = try await harness.engine.runCycle()
        #expect(report.created.map(\.slug) == ["welcome-back"], "\(report.summaryLines())")
        let created = try #require(await harness.fake.workflows.first { $0.name == "Welcome back" })
        // The legacy API cannot set a status: the flow stays a draft, as its files say.
        #expect(created.status == (api == .platform ? "active" : "draft"), "created as a draft, then given the status in git")
        #expect(created.triggers.map(\.triggerType) == ["inbound_message"])
        let remoteMap = try JSONParser.parse(try await harness.file(".kapso/remote-map.json"))
        #expect(remoteMap["workflows"]?["welcome-back"]?["id"]?.stringValue == created.id)
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges)
        #expect(await harness.fake.workflows.count == 3)
    }

    @Test func aCreationInterruptedAfterThePOSTIsFinishedNotRepeated() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await addFolder(harness)
        // Kapso takes the POST, then fails every other write: the cycle stops after the creation.
        await harness.fake.inject(FakeFaultRule(method: "PATCH", fault: .status(500), count: 100))
        let interrupted = try await harness.engine.runCycle()
        #expect(interrupted.created.isEmpty)
        #expect(interrupted.failures.count == 1)
        #expect(await harness.fake.workflow(slug: "welcome-back")?.status == "draft")
        await harness.fake.clearFaults()

        let finished = try await harness.engine.runCycle()
        #expect(finished.conflicts.isEmpty)
        #expect(finished.pushed.map(\.slug) == ["welcome-back"])
        #expect(await harness.fake.workflows.count == 2, "no second workflow")
        #expect(await harness.fake.workflow(slug: "welcome-back")?.status == "active")
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }
}
