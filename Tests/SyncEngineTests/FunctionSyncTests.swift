import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// Functions (`functions/<slug>/function.yaml` and `index.js`) synced both ways against the fake over
/// HTTP, with a person acting through the `git` CLI.
@Suite struct FunctionSyncTests {
    static func harness(configure: @escaping (inout SyncConfiguration) -> Void = { _ in }) async throws -> SyncHarness {
        try await SyncHarness(configure: configure) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 6) }
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func functionsArePulledAsTheCLIWritesThemAndChangesGoBothWaysWithADeployment() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        let first = try await harness.engine.runCycle()
        #expect(first.functions.count == 5 && first.functions.allSatisfy { $0.kind == .pulled && $0.isNew }, "\(first.summaryLines())")
        let yaml = Self.text(try await harness.file("functions/function-0/function.yaml"))
        #expect(
            yaml == """
                entrypoint: index.js
                function_type: cloudflare_worker
                invoke_response_mode: passthrough
                name: Function 0
                public_endpoint: false
                runtime_config: {}
                slug: function-0

                """)
        let code = try await harness.file("functions/function-0/index.js")
        #expect(Self.text(code) == (await harness.fake.function(slug: "function-0"))?.code)
        let map = try RemoteMap(bytes: try await harness.file(".kapso/remote-map.json"))
        let entry = try #require(map.functions["function-0"])
        #expect(entry.files["functions/function-0/index.js"] == FileHash.sha256(code), "sha256 of the raw bytes, as the CLI records")
        #expect(entry.lockVersion == 1 && entry.status == "deployed" && entry.extra["lastDeployedAt"]?.stringValue != nil)

        // Kapso → git.
        await harness.fake.simulateFunctionEdit(slug: "function-1") { $0.code += "// tuned in Kapso\n" }
        let pulled = try await harness.engine.runCycle()
        #expect(pulled.functions.map(\.slug) == ["function-1"] && pulled.functions.first?.kind == .pulled)
        #expect(Self.text(try await harness.file("functions/function-1/index.js")).hasSuffix("// tuned in Kapso\n"))
        let message = try await harness.git("log", "-1", "--format=%B", "main")
        #expect(message.hasPrefix("Pull function function-1 from Kapso (lock_version 2)"), "\(message)")
        #expect(try await harness.git("log", "-1", "--format=%(trailers:key=Kapso-Function,valueonly)", "main").contains("function-1 id="))

        // git → Kapso, with the base's lock_version, then deployed.
        try await harness.personCommits("Rename and fix function-2") { checkout in
            let folder = checkout.appendingPathComponent("functions/function-2")
            let yamlURL = folder.appendingPathComponent("function.yaml")
            let renamed = try String(contentsOf: yamlURL, encoding: .utf8).replacingOccurrences(of: "name: Function 2", with: "name: Quote")
            try Data(renamed.utf8).write(to: yamlURL)
            try Data("export default async () => new Response(\"quote\");\n".utf8).write(to: folder.appendingPathComponent("index.js"))
        }
        await harness.fake.clearRequests()
        let pushed = try await harness.engine.runCycle()
        #expect(pushed.functions.map(\.kind) == [.pushed] && pushed.functions.first?.deployed == true, "\(pushed.summaryLines())")
        let inKapso = try #require(await harness.fake.function(slug: "function-2"))
        #expect(inKapso.name == "Quote" && inKapso.code == "export default async () => new Response(\"quote\");\n")
        #expect(inKapso.lockVersion == 2 && inKapso.deployments == 1 && inKapso.status == "deployed")
        let requests = await harness.fake.requests()
        #expect(requests.filter { $0.method == "PATCH" }.map(\.path) == ["/functions/\(inKapso.id)"])
        #expect(requests.filter { $0.method == "POST" }.map(\.path) == ["/functions/\(inKapso.id)/deploy"])
        #expect(try RemoteMap(bytes: try await harness.file(".kapso/remote-map.json")).functions["function-2"]?.lockVersion == 2)

        // Nothing echoes, and no secret endpoint was ever called.
        await harness.fake.clearRequests()
        let quiet = try await harness.engine.runCycle()
        #expect(!quiet.hasChanges && quiet.commit == nil, "\(quiet.summaryLines())")
        #expect(await harness.fake.requests().map(\.method) == ["GET", "GET"])
        #expect(try await harness.git("log", "--all", "--format=%B").contains("secret") == false)
    }

    @Test func aFunctionChangedOnBothSidesIsAConflictAndMergingItsBranchPushesBothEdits() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let original = try #require(await harness.fake.function(slug: "function-0")).code
        await harness.fake.simulateFunctionEdit(slug: "function-0") { $0.code = "// from Kapso\n" + $0.code }
        try await harness.personCommits("Edit function-0") { checkout in
            let url = checkout.appendingPathComponent("functions/function-0/index.js")
            try Data((original + "// from git\n").utf8).write(to: url)
        }
        let report = try await harness.engine.runCycle()
        let branch = "kapso-gitsync/conflict/functions/function-0"
        #expect(report.conflicts.map(\.workflow) == ["functions/function-0"] && report.conflicts.first?.branch == branch)
        #expect(Self.text(try await harness.file("functions/function-0/index.js")) == original + "// from git\n", "main keeps git's")
        #expect(await harness.fake.function(slug: "function-0")?.code == "// from Kapso\n" + original, "Kapso keeps its own")
        #expect(Self.text(try await harness.file("functions/function-0/index.js", at: branch)) == "// from Kapso\n" + original)
        #expect(try await harness.git("log", "-1", "--format=%B", branch).contains("Kapso-Conflict: functions/function-0 id="))
        #expect(try await harness.engine.runCycle().conflicts.count == 1, "still open, the branch left as it is")

        try await harness.personMerges(branch) { _ in }
        let resolved = try await harness.engine.runCycle()
        #expect(resolved.conflicts.isEmpty && resolved.functions.map(\.kind) == [.pushed], "\(resolved.summaryLines())")
        #expect(await harness.fake.function(slug: "function-0")?.code == "// from Kapso\n" + original + "// from git\n")
        #expect(try await harness.git("branch", "--list", branch).isEmpty, "the resolved branch is deleted")
    }

    @Test func anEditLandingBetweenTheReadAndTheWriteIsAConflictNotAnOverwrite() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Edit function-4") { checkout in
            try Data("export default () => 1;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-4/index.js"))
        }
        await harness.fake.onceBefore(method: "PATCH") { fake in
            fake.simulateFunctionEdit(slug: "function-4") { $0.code = "export default () => 2;\n" }
        }
        let report = try await harness.engine.runCycle()
        #expect(report.conflicts.map(\.reason) == ["changed in Kapso while being pushed (409)"], "\(report.summaryLines())")
        #expect(await harness.fake.function(slug: "function-4")?.code == "export default () => 2;\n")
        let branch = "kapso-gitsync/conflict/functions/function-4"
        #expect(Self.text(try await harness.file("functions/function-4/index.js", at: branch)) == "export default () => 2;\n")
        #expect(Self.text(try await harness.file("functions/function-4/index.js")) == "export default () => 1;\n")
    }

    @Test func aFolderNewInGitIsCreatedOnceAndAWorkflowCanCallItInTheSameCycle() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let checkout = try await harness.personCheckout()
        let caller = try #require(
            try FileManager.default.contentsOfDirectory(atPath: checkout.appendingPathComponent("workflows").path).sorted().first {
                let text = try String(contentsOf: checkout.appendingPathComponent("workflows/\($0)/definition.json"), encoding: .utf8)
                return text.contains(#""function_slug": "function-"#)
            })
        try await harness.personCommits("Add a function and call it") { checkout in
            let folder = checkout.appendingPathComponent("functions/lookup-order")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(
                "function_type: cloudflare_worker\ninvoke_response_mode: wrapped\nname: Lookup order\nslug: lookup-order\n".utf8
            ).write(to: folder.appendingPathComponent("function.yaml"))
            try Data("export default async () => new Response(\"{}\");\n".utf8).write(to: folder.appendingPathComponent("index.js"))
            let definition = checkout.appendingPathComponent("workflows/\(caller)/definition.json")
            let text = try String(contentsOf: definition, encoding: .utf8)
            let range = try #require(text.range(of: #""function_slug": "function-[0-9]""#, options: .regularExpression))
            try Data(text.replacingCharacters(in: range, with: #""function_slug": "lookup-order""#).utf8).write(to: definition)
        }
        let report = try await harness.engine.runCycle()
        #expect(report.functions.map(\.kind) == [.created] && report.functions.first?.deployed == true, "\(report.summaryLines())")
        #expect(report.pushed.map(\.slug) == [caller], "\(report.summaryLines())")
        let created = try #require(await harness.fake.function(slug: "lookup-order"))
        #expect(created.invokeResponseMode == "wrapped" && created.deployments == 1 && created.name == "Lookup order")
        let called = await harness.fake.workflow(slug: caller)?.nodes.compactMap { $0["data"]?["config"]?["function_id"]?.stringValue }
        #expect(called?.contains(created.id) == true, "the workflow calls the new function by its id")
        // The files say what Kapso holds in other words (keys left out): they are rewritten once, as the CLI writes them.
        await harness.fake.clearRequests()
        let next = try await harness.engine.runCycle()
        #expect(next.functions.map(\.kind) == [] || next.functions.map(\.kind) == [.normalised], "\(next.summaryLines())")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "created once")
        #expect(!(try await harness.engine.runCycle().hasChanges))
    }

    /// A write's answer without the code, a deployment's 202 without a body: the write is read back, and
    /// nothing is reported as failed.
    @Test func terseAnswersToWritesAreReadBack() async throws {
        var options = KapsoFake.Options(apiKey: SyncHarness.apiKey)
        options.terseFunctionWrites = true
        let harness = try await SyncHarness(fakeOptions: options) { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Edit function-0") { checkout in
            try Data("export default () => 0;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-0/index.js"))
        }
        let report = try await harness.engine.runCycle()
        #expect(report.failures.isEmpty && report.warnings.isEmpty, "\(report.summaryLines())")
        #expect(report.functions.map(\.kind) == [.pushed] && report.functions.first?.deployed == true)
        #expect(!(try await harness.engine.runCycle().hasChanges))
    }

    @Test func aFailedDeploymentIsReportedAsSuchAndMadeAgainNextCycle() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        await harness.fake.setDeployOutcome(slug: "function-3", .refused("Supabase project required for Supabase functions"))
        try await harness.personCommits("Edit function-3") { checkout in
            try Data("export default () => 3;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-3/index.js"))
        }
        let report = try await harness.engine.runCycle()
        #expect(report.functions.map(\.kind) == [.pushed] && report.functions.first?.deployed == false)
        let failure = try #require(report.failures.first { $0.workflow == "functions/function-3" })
        #expect(failure.reason.contains("saved in Kapso but not deployed") && failure.reason.contains("Supabase project required"))
        #expect(await harness.fake.function(slug: "function-3")?.code == "export default () => 3;\n", "the code is saved")
        await harness.fake.setDeployOutcome(slug: "function-3", .deploys)
        let retried = try await harness.engine.runCycle()
        #expect(retried.failures.isEmpty && retried.warnings.contains { $0.contains("deployed now") }, "\(retried.summaryLines())")
        #expect(await harness.fake.function(slug: "function-3")?.status == "deployed")
        #expect(await harness.fake.function(slug: "function-3")?.deployments == 2)
        #expect(try await harness.engine.runCycle().warnings.isEmpty, "not deployed a third time")
    }

    @Test func aCrashAfterTheWriteIsRecognisedAndDeployedWithoutASecondWrite() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Edit function-1") { checkout in
            try Data("export default () => 11;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-1/index.js"))
        }
        await #expect(throws: SyncError.self) { try await harness.restartedEngine(crashingAt: .afterPatch).runCycle() }
        #expect(await harness.fake.function(slug: "function-1")?.code == "export default () => 11;\n")
        #expect(await harness.fake.function(slug: "function-1")?.deployments == 0, "the crash came before the deployment")
        await harness.fake.clearRequests()
        let report = try await harness.restartedEngine().runCycle()
        #expect(report.conflicts.isEmpty && report.functions.map(\.kind) == [.adopted], "\(report.summaryLines())")
        #expect(report.functions.first?.deployed == true)
        #expect(await harness.fake.requests().filter { $0.method == "PATCH" }.isEmpty, "written once")
        #expect(await harness.fake.function(slug: "function-1")?.deployments == 1)
        #expect(!(try await harness.restartedEngine().runCycle().hasChanges))
    }

    @Test func brokenFunctionFilesAreReportedByNameAndTheOthersStillSync() async throws {
        let harness = try await Self.harness()
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await harness.personCommits("Break one, edit another") { checkout in
            try Data("name: [unclosed\n".utf8).write(to: checkout.appendingPathComponent("functions/function-2/function.yaml"))
            try FileManager.default.removeItem(at: checkout.appendingPathComponent("functions/function-0/index.js"))
            try Data("export default () => 33;\n".utf8).write(to: checkout.appendingPathComponent("functions/function-3/index.js"))
        }
        let report = try await harness.engine.runCycle()
        let invalid = Dictionary(uniqueKeysWithValues: report.invalid.map { ($0.workflow, $0.reason) })
        #expect(invalid["functions/function-2"]?.hasPrefix("functions/function-2/function.yaml: not valid YAML") == true, "\(invalid)")
        #expect(
            invalid["functions/function-0"] == "functions/function-0/index.js: missing (a function folder needs function.yaml and index.js)"
        )
        #expect(report.functions.map(\.slug) == ["function-3"])
        #expect(await harness.fake.function(slug: "function-3")?.code == "export default () => 33;\n")
        #expect(await harness.fake.function(slug: "function-2")?.name == "Function 2", "nothing sent for the broken one")
    }

    @Test func aMalformedAnswerIsReportedByNameAndTheOtherFunctionsStillSync() async throws {
        let harness = try await Self.harness { $0.deletedInKapso = .remove }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let broken = try #require(await harness.fake.function(slug: "function-2"))
        await harness.fake.simulateFunctionEdit(slug: "function-2") { $0.code = "// changed\n" }
        await harness.fake.simulateFunctionEdit(slug: "function-3") { $0.code = "// also changed\n" }
        await harness.fake.inject(
            FakeFaultRule(method: "GET", pathPrefix: "/functions/\(broken.id)", fault: .replaceBody(#"{"data": {"id": "x"}}"#), count: 10))
        let report = try await harness.engine.runCycle()
        #expect(report.failures.map(\.workflow) == ["functions/function-2 (\(broken.id))"], "\(report.summaryLines())")
        #expect(report.failures.first?.reason.contains("malformed response") == true)
        #expect(report.functions.map(\.slug) == ["function-3"])
        #expect(Self.text(try await harness.file("functions/function-2/index.js")) == broken.code, "left as it was, not removed")
    }

    @Test func aFunctionGoneFromKapsoIsReportedOrItsFolderRemoved() async throws {
        let reporting = try await Self.harness()
        defer { Task { await reporting.stop() } }
        _ = try await reporting.engine.runCycle()
        await reporting.fake.simulateFunctionDeletion(slug: "function-4")
        let reported = try await reporting.engine.runCycle()
        #expect(reported.missingInKapso == ["functions/function-4"] && reported.commit == nil)

        let removing = try await Self.harness { $0.deletedInKapso = .remove }
        defer { Task { await removing.stop() } }
        _ = try await removing.engine.runCycle()
        await removing.fake.simulateFunctionDeletion(slug: "function-4")
        let removed = try await removing.engine.runCycle()
        #expect(removed.functions.map(\.kind) == [.removed])
        await #expect(throws: (any Error).self) { try await removing.file("functions/function-4/index.js") }
        #expect(try RemoteMap(bytes: try await removing.file(".kapso/remote-map.json")).functions["function-4"] == nil)
    }

    @Test func withFunctionsSyncOffTheirFilesAndEntriesAreLeftAlone() async throws {
        let harness = try await Self.harness { $0.functions.sync = false }
        defer { Task { await harness.stop() } }
        let report = try await harness.engine.runCycle()
        #expect(report.functions.isEmpty && report.pulled.count == 3)
        #expect(!(try await harness.git("ls-tree", "-r", "--name-only", "main").contains("functions/")))
        await harness.fake.clearRequests()
        _ = try await harness.engine.runCycle()
        #expect(await harness.fake.requests().map(\.path) == ["/workflows"], "an idle cycle reads only the workflows")
    }

    @Test(arguments: [
        // (base, local, remote) → actions; "b" is the base's hashes, "g" git's, "k" Kapso's.
        (["f": "b"], ["f": "b"], ["f": "b"], [FunctionPlanner.Action]()),
        (["f": "b"], ["f": "b"], ["f": "k"], [.pull(id: "id-f")]),
        (["f": "b"], ["f": "g"], ["f": "b"], [.push(id: "id-f", folder: "f")]),
        (["f": "b"], ["f": "g"], ["f": "g"], [.adopt(id: "id-f", folder: "f")]),
        (["f": "b"], ["f": "g"], ["f": "k"], [.conflict(id: "id-f", folder: "f", reason: "changed both in git and in Kapso")]),
        (["f": "b"], [:], ["f": "b"], [.deletedInGit(id: "id-f", folder: "f")]),
        (["f": "b"], [:], ["f": "k"], [.conflict(id: "id-f", folder: "f", reason: "deleted in git but changed in Kapso")]),
        (["f": "b"], ["f": "b"], [:], [.deletedInKapso(id: "id-f", folder: "f")]),
        (["f": "b"], ["f": "g"], [:], [.conflict(id: "id-f", folder: "f", reason: "changed in git but deleted in Kapso")]),
        (["f": "b"], [:], [:], [.forget(id: "id-f", folder: "f")]),
        ([:], [:], ["f": "k"], [.pull(id: "id-f")]),
        ([:], ["f": "g"], [:], [.create(folder: "f")]),
        ([:], ["f": "k"], ["f": "k"], [.adopt(id: "id-f", folder: "f")]),
        (
            [:], ["f": "g"], ["f": "k"],
            [.conflict(id: "id-f", folder: "f", reason: "a new folder in git and a new function in Kapso share this slug")]
        ),
    ])
    func theThreeWayRules(base: [String: String], local: [String: String], remote: [String: String], expected: [FunctionPlanner.Action]) {
        func hashes(_ folder: String, _ tag: String) -> [String: String] { ["functions/\(folder)/index.js": tag] }
        let baseEntries = Dictionary(
            uniqueKeysWithValues: base.map {
                (
                    $0.key,
                    RemoteMap.Entry(
                        id: "id-\($0.key)", slug: $0.key, lockVersion: 1, status: nil, updatedAt: nil, files: hashes($0.key, $0.value))
                )
            })
        let actions = FunctionPlanner.plan(
            base: baseEntries,
            local: Dictionary(uniqueKeysWithValues: local.map { ($0.key, FunctionPlanner.Local.files(hashes: hashes($0.key, $0.value))) }),
            remote: Dictionary(uniqueKeysWithValues: remote.map { ("id-\($0.key)", .init(slug: $0.key, hashes: hashes($0.key, $0.value))) })
        )
        #expect(actions == expected)
    }

    @Test func aSlugTakenByAnotherFunctionsFolderIsRefusedAndABrokenFolderIsNotPulledOver() {
        let entry = { (slug: String) in
            RemoteMap.Entry(id: "id-\(slug)", slug: slug, lockVersion: 1, status: nil, updatedAt: nil, files: ["x": slug])
        }
        let renamedOnto = FunctionPlanner.plan(
            base: ["a": entry("a"), "b": entry("b")], local: ["a": .files(hashes: ["x": "a"]), "b": .files(hashes: ["x": "b"])],
            remote: ["id-a": .init(slug: "b", hashes: ["x": "a2"]), "id-b": .init(slug: "b", hashes: nil)])
        #expect(renamedOnto == [.refuse(id: "id-a", slug: "b", reason: "folder functions/b belongs to function id-b")])
        let broken = FunctionPlanner.plan(
            base: ["a": entry("a")], local: ["a": .invalid(reason: "bad")], remote: ["id-a": .init(slug: "a", hashes: ["x": "a2"])])
        #expect(broken == [.conflict(id: "id-a", folder: "a", reason: "changed in Kapso while the files in git are invalid: bad")])
    }
}
