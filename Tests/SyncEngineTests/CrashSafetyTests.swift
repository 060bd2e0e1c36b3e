import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

@Suite struct CrashSafetyTests {
    static let pushPoints: [SyncEngine.CrashPoint] = [
        .afterIntent, .afterPatch, .afterKapsoWrite, .beforeCommit, .afterCommitObjects, .afterBranchMoved,
    ]

    @Test(arguments: pushPoints, TestAPI.allCases)
    func aPushInterruptedAtAnyStepIsFinishedOnceWithoutAFalseConflict(_ point: SyncEngine.CrashPoint, api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4, seed: 7) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (before, node) = try await harness.personRewords(slug, to: "after \(point)")

        await #expect { try await harness.restartedEngine(crashingAt: point).runCycle() } throws: { isSimulatedCrash($0, at: point) }
        let recovery = try harness.restartedEngine()
        let report = try await recovery.runCycle()
        #expect(report.conflicts.isEmpty, "\(report.conflicts)")
        #expect(report.failures.isEmpty, "\(report.failures)")
        let after = try #require(await harness.fake.workflow(slug: slug))
        #expect(after.lockVersion == before.lockVersion + 1, "written to Kapso exactly once")
        #expect(after.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue == "after \(point)")
        let definition = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json"))
        #expect(
            definition["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue
                == "after \(point)")
        let quiet = try await recovery.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
        #expect(await harness.fake.workflow(slug: slug)?.lockVersion == before.lockVersion + 1)
        let intents = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path + "/state/intents")) ?? []
        #expect(intents.isEmpty, "no intent left behind: \(intents)")
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }

    @Test(arguments: [SyncEngine.CrashPoint.afterIntent, .afterCreate, .afterPatch, .beforeCommit, .afterBranchMoved], TestAPI.allCases)
    func aCreationInterruptedAtAnyStepCreatesOneWorkflow(_ point: SyncEngine.CrashPoint, api: TestAPI) async throws {
        let harness = try await SyncHarness(api: api) { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 3) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        try await CreateCycleTests().addFolder(harness, api: api)
        await #expect { try await harness.restartedEngine(crashingAt: point).runCycle() } throws: { isSimulatedCrash($0, at: point) }
        let recovery = try harness.restartedEngine()
        let report = try await recovery.runCycle()
        #expect(report.conflicts.isEmpty, "\(report.conflicts)")
        #expect(await harness.fake.workflows.count == 2, "one workflow created, not two")
        #expect(await harness.fake.workflows.first { $0.name == "Welcome back" }?.status == (api == .platform ? "active" : "draft"))
        let quiet = try await recovery.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }

    /// The push landed, the process died before committing it, and a person committed again to the same
    /// workflow: Kapso holds this service's own write, so git's newer commit is pushed over it.
    @Test func aNewerCommitAfterACrashedPushIsPushedNotAConflictWithOurOwnWrite() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 4, seed: 7) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (before, node) = try await harness.personRewords(slug, to: "first")
        await #expect { try await harness.restartedEngine(crashingAt: .afterKapsoWrite).runCycle() } throws: {
            isSimulatedCrash($0, at: .afterKapsoWrite)
        }
        _ = try await harness.personRewords(slug, to: "second")
        let report = try await harness.restartedEngine().runCycle()
        #expect(report.conflicts.isEmpty, "\(report.summaryLines())")
        #expect(report.pushed.map(\.slug) == [slug])
        let kapso = try #require(await harness.fake.workflow(slug: slug))
        #expect(kapso.lockVersion == before.lockVersion + 2)
        #expect(kapso.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue == "second")
        let quiet = try await harness.restartedEngine().runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }

    @Test func aPushWhoseAnswerWasLostIsRecognisedNotReportedAsAConflict() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 4, seed: 7) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (before, _) = try await harness.personRewords(slug, to: "lost answer")
        // Kapso applies the PATCH but the answer is cut off; the client's retry then meets a 409.
        await harness.fake.inject(FakeFaultRule(method: "PATCH", fault: .connectionReset))
        let report = try await harness.engine.runCycle()
        #expect(report.conflicts.isEmpty, "\(report.conflicts)")
        #expect(report.pushed.map(\.slug) == [slug])
        #expect(await harness.fake.workflow(slug: slug)?.lockVersion == before.lockVersion + 1)
    }

    @Test func aPushThatNeverLandedIsNotMistakenForOursWhenSomeoneElseEdits() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 4, seed: 7) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let slug = "generated-1"
        let (before, node) = try await harness.personRewords(slug, to: "from git")
        // The PATCH fails with a server error (it may or may not have landed: the intent stays)...
        await harness.fake.inject(FakeFaultRule(method: "PATCH", fault: .status(500), count: 100))
        let failed = try await harness.engine.runCycle()
        #expect(failed.failures.count == 1)
        await harness.fake.clearFaults()
        // ...it did not, and someone edits the workflow in Kapso: the lock_version moves past the one sent.
        await harness.fake.simulateEditorEdit(workflowID: before.id) { $0.name = "Someone else's edit" }
        // Never taken for this service's own write (that would pull the name over git's edit): the two
        // edits, in different places, are merged.
        let report = try await harness.engine.runCycle()
        #expect(report.merged.map(\.workflow.slug) == [slug], "\(report.summaryLines())")
        let kapso = try #require(await harness.fake.workflow(slug: slug))
        #expect(kapso.name == "Someone else's edit")
        #expect(kapso.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue == "from git")
        let definition = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json"))
        #expect(
            definition["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue
                == "from git")
    }
}
