import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// A workflow's source file (`workflow.js`, `workflow.ts`) next to its `definition.json`: a generated
/// one never goes stale, an authored one is never touched, and a definition changed without its
/// authored source is refused.
@Suite struct SourceFileTests {
    static let path = "workflows/flow/workflow.js"

    static func fields(generated: String?, synced: String?, path: String = path) -> [String: JSONValue] {
        var extra: [String: JSONValue] = [:]
        if let generated { extra["generatedSource"] = ["hash": .string(generated), "path": .string(path)] }
        if let synced { extra["sourceFile"] = ["hash": .string(synced), "path": .string(path)] }
        return extra
    }

    @Test(arguments: [
        (fields(generated: nil, synced: nil), "a" as String?, WorkflowSource.none),
        (fields(generated: "a", synced: "a"), nil, .none),  // no file: nothing can go stale
        (fields(generated: "a", synced: "a"), "a", .generated(path: path)),
        (fields(generated: "a", synced: nil), "a", .generated(path: path)),
        (fields(generated: "a", synced: "b"), "b", .authored(path: path, unchanged: true)),  // edited, then synced
        (fields(generated: "a", synced: "b"), "c", .authored(path: path, unchanged: false)),  // edited since
        (fields(generated: "a", synced: "a"), "c", .authored(path: path, unchanged: false)),
        (fields(generated: "a", synced: nil), "c", .authored(path: path, unchanged: false)),
        (
            fields(generated: nil, synced: "t", path: "workflows/flow/workflow.ts"), "t",
            .authored(path: "workflows/flow/workflow.ts", unchanged: true)
        ),
        (fields(generated: "a", synced: "a", path: #"workflows\flow\workflow.js"#), "a", .generated(path: path)),
    ])
    func whatASourceFileIs(extra: [String: JSONValue], fileHash: String?, expected: WorkflowSource) {
        #expect(WorkflowSource.classify(extra: extra, fileHash: fileHash) == expected)
    }

    /// A person's clone as `kapso pull` leaves it: `workflow.js` beside the definition, recorded in the
    /// remote-map as generated (`generated` = what pull wrote) and as synced (`current`).
    func personHasSource(_ harness: SyncHarness, slug: String, generated: String, current: String) async throws {
        let path = "workflows/\(slug)/workflow.js"
        try await harness.personCommits("kapso pull wrote workflow.js") { checkout in
            try Data(current.utf8).write(to: checkout.appendingPathComponent(path))
            try editJSON(checkout.appendingPathComponent(".kapso/remote-map.json")) { map in
                guard case .object(var root) = map, case .object(var workflows)? = root["workflows"],
                    case .object(var entry)? = workflows[slug]
                else { return }
                entry["generatedSource"] = ["hash": .string(FileHash.sha256(Array(generated.utf8))), "path": .string(path)]
                entry["sourceFile"] = ["hash": .string(FileHash.sha256(Array(current.utf8))), "path": .string(path)]
                workflows[slug] = .object(entry)
                root["workflows"] = .object(workflows)
                map = .object(root)
            }
        }
    }

    func entry(_ harness: SyncHarness, slug: String) async throws -> RemoteMap.Entry? {
        try RemoteMap(bytes: try await harness.file(".kapso/remote-map.json")).workflows[slug]
    }

    func exists(_ harness: SyncHarness, _ path: String) async throws -> Bool {
        !(try await harness.git("ls-tree", "--name-only", "main", path)).isEmpty
    }

    static let generatedJS = "export default workflow({ nodes: [] })\n"

    @Test func aKapsoEditRemovesAGeneratedSourceSoTheCLIWritesItAgain() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        try await personHasSource(harness, slug: target.slug, generated: Self.generatedJS, current: Self.generatedJS)
        _ = try await harness.engine.runCycle()
        #expect(try await exists(harness, "workflows/\(target.slug)/workflow.js"), "an unchanged workflow keeps its source")

        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Renamed in Kapso" }
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.map(\.slug) == [target.slug])
        #expect(!(try await exists(harness, "workflows/\(target.slug)/workflow.js")), "the stale generated source is gone")
        let entry = try #require(try await entry(harness, slug: target.slug))
        #expect(entry.extra["generatedSource"] == nil && entry.extra["sourceFile"] == nil)
        let message = try await harness.git("log", "-1", "--format=%B", "main")
        #expect(message.contains("workflow.js removed: it was generated from the previous version"), "\(message)")
    }

    @Test func anAuthoredSourceIsNeverTouchedAndAKapsoEditSaysItMustBeUpdated() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        let authored = Self.generatedJS + "// reviewed by a person\n"
        try await personHasSource(harness, slug: target.slug, generated: Self.generatedJS, current: authored)
        _ = try await harness.engine.runCycle()

        await harness.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Renamed in Kapso" }
        let report = try await harness.engine.runCycle()
        #expect(report.pulled.map(\.slug) == [target.slug])
        #expect(try await harness.file("workflows/\(target.slug)/workflow.js") == Array(authored.utf8))
        let entry = try #require(try await entry(harness, slug: target.slug))
        #expect(entry.extra["sourceFile"]?["hash"]?.stringValue == FileHash.sha256(Array(authored.utf8)), "fields kept")
        #expect(report.warnings.contains { $0.contains("workflow.js is authored and was not changed") }, "\(report.warnings)")
        let message = try await harness.git("log", "-1", "--format=%B", "main")
        #expect(message.contains("is authored and was not changed: bring Kapso's change into it"), "\(message)")
    }

    @Test func aDefinitionChangedInGitWithoutItsAuthoredSourceIsRefused() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        try await personHasSource(harness, slug: target.slug, generated: Self.generatedJS, current: Self.generatedJS + "// edited\n")
        _ = try await harness.engine.runCycle()
        await harness.fake.clearRequests()

        _ = try await harness.personRewords(target.slug, to: "Edited in definition.json only")
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.isEmpty)
        let refusal = try #require(report.invalid.first { $0.workflow == "workflows/\(target.slug)" })
        #expect(
            refusal.reason
                == "the workflow changed in git but workflows/\(target.slug)/workflow.js (the source the Kapso CLI compiles) did not: "
                + "run `kapso build` (or edit workflows/\(target.slug)/workflow.js) and commit both, or the next `kapso push` reverts this change"
        )
        #expect(await harness.fake.requests().filter { $0.method != "GET" }.isEmpty, "nothing sent to Kapso")
    }

    @Test func aDefinitionPushedFromGitRemovesAGeneratedSource() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let target = try #require(await harness.fake.workflows.first)
        try await personHasSource(harness, slug: target.slug, generated: Self.generatedJS, current: Self.generatedJS)
        _ = try await harness.engine.runCycle()

        _ = try await harness.personRewords(target.slug, to: "Edited in definition.json")
        let report = try await harness.engine.runCycle()
        #expect(report.pushed.map(\.slug) == [target.slug], "\(report.summaryLines())")
        #expect(!(try await exists(harness, "workflows/\(target.slug)/workflow.js")))
        let entry = try #require(try await entry(harness, slug: target.slug))
        #expect(entry.extra["generatedSource"] == nil && entry.extra["sourceFile"] == nil)
    }
}
