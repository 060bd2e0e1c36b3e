import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// A cycle whose reads are those of the last cycle, which found nothing to do, stops after reading
/// them (`IdleRecord`); anything a cycle reads that changed makes it run whole and act on the change.
@Suite struct IdleCycleTests {
    /// Cycles until one is recorded as idle (the first ones after an import still record the local tree).
    static func settle(_ harness: SyncHarness) async throws -> IdleRecord {
        for _ in 0..<3 {
            _ = try await harness.restartedEngine().runCycle()
            if let record = IdleRecord.load(from: harness.engine.configuration.stateDirectory) { return record }
        }
        throw SyncHarness.HarnessError(description: "no cycle was recorded as idle")
    }

    static func statusDocument(_ harness: SyncHarness) throws -> [String: Any] {
        let url = URL(fileURLWithPath: harness.engine.configuration.stateDirectory).appendingPathComponent("status.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func anIdleCycleAfterAnIdleOneReadsTheListsAndWritesOnlyItsStatus() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 4, seed: 21) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let record = try await Self.settle(harness)
        let directory = harness.engine.configuration.stateDirectory
        let state = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("sync-state.json"))
        let references = try await harness.git("for-each-ref")
        let before = try Self.statusDocument(harness)
        await harness.fake.clearRequests()

        let repeated = try await harness.restartedEngine().runCycle()
        #expect(repeated.repeatsIdleCycle == record.cycleID)
        #expect(repeated.listed == 4 && repeated.commit == nil && !repeated.hasChanges && repeated.objectsWritten == 0)
        #expect(repeated.summaryLines() == ["in sync: 4 workflows in Kapso, nothing to pull"])
        #expect(await harness.fake.requests().map(\.method) == TestAPI.platform.idleRequests)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent("sync-state.json")) == state)
        #expect(try await harness.git("for-each-ref") == references)
        let after = try Self.statusDocument(harness)
        #expect(after["cycleID"] as? String == repeated.cycleID)
        #expect(after["result"] as? String == "success")
        #expect(after["commit"] == nil && after["lastError"] == nil)
        let updated = try #require(after["updatedAt"] as? Double)
        #expect(updated >= (before["updatedAt"] as? Double ?? .infinity))
        #expect(after["lastSuccessAt"] as? Double == updated)
        #expect(after["workflows"] as? NSArray == before["workflows"] as? NSArray)
        #expect((after["workflows"] as? [Any])?.count == 4)

        // The record still holds for the cycles after, in one process and in a new one.
        let service = try harness.restartedEngine()
        #expect(try await service.runCycle().repeatsIdleCycle == record.cycleID)
        #expect(try await service.runCycle().repeatsIdleCycle == record.cycleID)
        #expect(try await harness.restartedEngine().runCycle().repeatsIdleCycle == record.cycleID)
        #expect(IdleRecord.load(from: directory) == record)
    }

    /// A cycle that pulled records the tree it committed, so the idle cycle after it is already the
    /// recorded one, and the one after that repeats it: after the first import too.
    @Test func theIdleCycleAfterAPullIsRecorded() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 70, nodesPerWorkflow: 3, seed: 25) }
        defer { Task { await harness.stop() } }
        let directory = harness.engine.configuration.stateDirectory
        _ = try await harness.engine.runCycle()
        for _ in 0..<2 {
            let first = try await harness.restartedEngine().runCycle()
            #expect(first.repeatsIdleCycle == nil && IdleRecord.load(from: directory)?.cycleID == first.cycleID)
            #expect(try await harness.restartedEngine().runCycle().repeatsIdleCycle == first.cycleID)
            let workflow = try #require(await harness.fake.workflow(slug: "generated-5"))
            await harness.fake.simulateEditorEdit(workflowID: workflow.id) { $0.name += " again" }
            #expect(try await harness.restartedEngine().runCycle().pulled.map(\.slug) == ["generated-5"])
        }
    }

    /// A repeat's one write is its status: a stop that came first ends it before, as it ends any cycle.
    @Test func aStopBeforeARepeatWritesNothing() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3, seed: 26) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let record = try await Self.settle(harness)
        let url = URL(fileURLWithPath: harness.engine.configuration.stateDirectory).appendingPathComponent("status.json")
        let status = try Data(contentsOf: url)
        let stop = CycleStop()
        stop.request()
        do {
            let report = try await harness.restartedEngine().runCycle(stop: stop)
            Issue.record("the cycle ran: \(report.summaryLines())")
        } catch {
            guard case SyncError.stopped = error else { throw error }
        }
        #expect(try Data(contentsOf: url) == status)
        #expect(IdleRecord.load(from: harness.engine.configuration.stateDirectory) == record)
    }

    enum Change: String, CaseIterable, Sendable {
        case kapsoEdit, gitEdit, functionEdit, stateFile, configuration, conflictBranch, statusRemoved, fullPassDue, program
    }

    @Test(arguments: Change.allCases)
    func anythingTheCycleReadsThatChangedMakesItRunWhole(_ change: Change) async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 4, nodesPerWorkflow: 4, seed: 22) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let record = try await Self.settle(harness)
        let directory = harness.engine.configuration.stateDirectory
        let recordURL = URL(fileURLWithPath: directory).appendingPathComponent(IdleRecord.fileName)
        var engine = try harness.restartedEngine()
        switch change {
        case .kapsoEdit:
            let workflow = try #require(await harness.fake.workflow(slug: "generated-1"))
            await harness.fake.simulateEditorEdit(workflowID: workflow.id) { $0.name = "Renamed after an idle cycle" }
        case .gitEdit:
            _ = try await harness.personRewords("generated-2", to: "edited after an idle cycle")
        case .functionEdit:
            let function = try #require(await harness.fake.functions.first)
            await harness.fake.simulateFunctionEdit(slug: function.slug) { $0.code += "\n// edited after an idle cycle\n" }
        case .stateFile:
            try Data("x".utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent("instance-id-left-by-someone"))
        case .configuration:
            engine = try harness.restartedEngine(autoMerge: false)
        case .conflictBranch:
            _ = try await harness.git("branch", "kapso-conflict/generated-3", "main")
        case .statusRemoved:
            try FileManager.default.removeItem(atPath: directory + "/status.json")
        case .fullPassDue:
            var due = record
            due.fullPassDue = Date().timeIntervalSince1970 - 1
            try Data(due.text().utf8).write(to: recordURL)
        case .program:
            var other = record
            other.inputs.code = "another build"
            try Data(other.text().utf8).write(to: recordURL)
        }

        let report = try await engine.runCycle()
        #expect(report.repeatsIdleCycle == nil, "\(change)")
        switch change {
        case .kapsoEdit: #expect(report.pulled.map(\.slug) == ["generated-1"])
        case .gitEdit: #expect(report.pushed.map(\.slug) == ["generated-2"])
        case .functionEdit: #expect(report.functions.map(\.kind) == [.pulled])
        case .fullPassDue:
            // The state, which decides the full pass, says it is not due: the cycle is quiet, and its record right.
            #expect(report.commit == nil && !report.fullPass)
            let state = SyncState.load(from: directory)
            #expect(IdleRecord.load(from: directory)?.fullPassDue == state.lastFullPass.map { $0 + 3600 })
        case .statusRemoved: #expect((try Self.statusDocument(harness)["workflows"] as? [Any])?.count == 4)
        case .stateFile, .configuration, .conflictBranch, .program: #expect(report.commit == nil && !report.hasChanges)
        }
        // A cycle that acted leaves no record; a quiet one leaves its own.
        if report.hasChanges || report.fullPass {
            #expect(IdleRecord.load(from: directory) == nil)
        } else {
            #expect(IdleRecord.load(from: directory)?.cycleID == report.cycleID)
        }
    }

    /// A service decides from the state it saved last: a state file someone changed under it is not
    /// what its cycles read, so none of them is recorded or repeated until the next process reads it.
    @Test func aStateFileChangedUnderARunningServiceIsNeitherRecordedNorRepeated() async throws {
        let harness = try await SyncHarness(api: .platform) { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4, seed: 24) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        _ = try await Self.settle(harness)
        let directory = harness.engine.configuration.stateDirectory
        IdleRecord.remove(from: directory)
        let service = try harness.restartedEngine()
        let recorded = try await service.runCycle()
        #expect(recorded.repeatsIdleCycle == nil && IdleRecord.load(from: directory)?.cycleID == recorded.cycleID)
        #expect(try await service.runCycle().repeatsIdleCycle == recorded.cycleID)

        let workflow = try #require(await harness.fake.workflow(slug: "generated-1"))
        var state = SyncState.load(from: directory)
        state.pendingFetch = [workflow.id]
        try state.save(to: directory)
        let underService = try await service.runCycle()
        #expect(underService.repeatsIdleCycle == nil && underService.fetched == 0)
        #expect(IdleRecord.load(from: directory) == nil)
        let restarted = try await harness.restartedEngine().runCycle()
        #expect(restarted.repeatsIdleCycle == nil && restarted.fetched == 1)
    }

    /// Through a git server the references compared are those after the fetch: a person's push there is
    /// seen, and quiet cycles still repeat.
    @Test func throughAGitServerAPushThereEndsTheRepeat() async throws {
        let harness = try await SyncHarness(withServer: true, api: .platform) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4, seed: 23)
        }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let record = try await Self.settle(harness)
        #expect(try await harness.restartedEngine().runCycle().repeatsIdleCycle == record.cycleID)
        _ = try await harness.personRewords("generated-0", to: "pushed to the server after an idle cycle")
        let report = try await harness.restartedEngine().runCycle()
        #expect(report.repeatsIdleCycle == nil)
        #expect(report.pushed.map(\.slug) == ["generated-0"])
    }
}
