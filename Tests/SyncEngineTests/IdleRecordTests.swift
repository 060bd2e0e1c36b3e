import Foundation
import GitStore
import SyncEngine
import Testing

/// The record of a cycle that found nothing to do (`IdleRecord`): when a cycle may be recorded, when a
/// record stops holding, and its file.
@Suite struct IdleRecordTests {
    static let inputs = IdleRecord.Inputs(code: "1:2:3:4.5", configuration: "c1", references: "r1", stateFiles: "s1")
    static let record = IdleRecord(
        inputs: inputs, workflowList: "w1", functionList: "f1", cycleID: "0a1b2c3d", recordedAt: 1_000.25, fullPassDue: 4_600.25,
        listed: 12, filtered: 2, statusWorkflows: "t1")

    static var quietState: SyncState {
        var state = SyncState()
        state.lastFullPass = 1_000
        return state
    }

    static var quiet: IdleRecord.CycleFacts {
        var report = CycleReport(cycleID: "0a1b2c3d")
        report.listed = 12
        return IdleRecord.CycleFacts(report: report, requests: 2, listAnswers: 2, state: quietState)
    }

    @Test func theFileReadsBackAsWritten() {
        #expect(IdleRecord(text: Self.record.text()) == Self.record)
        var withoutFunctions = Self.record
        withoutFunctions.functionList = nil
        #expect(IdleRecord(text: withoutFunctions.text()) == withoutFunctions)
    }

    @Test(arguments: [
        ("another version", { @Sendable (text: String) in text.replacingOccurrences(of: "idle cycle 1", with: "idle cycle 2") }),
        ("cut off before its end", { @Sendable (text: String) in String(text.prefix(text.count - 5)) }),
        ("a field left out", { @Sendable (text: String) in text.replacingOccurrences(of: "listed\t12\n", with: "") }),
        ("a field twice", { @Sendable (text: String) in text.replacingOccurrences(of: "listed\t12\n", with: "listed\t12\nlisted\t12\n") }),
        ("a count that is not one", { @Sendable (text: String) in text.replacingOccurrences(of: "listed\t12", with: "listed\ttwelve") }),
        ("an empty digest", { @Sendable (text: String) in text.replacingOccurrences(of: "workflows\tw1", with: "workflows\t") }),
        ("a line after the end", { @Sendable (text: String) in text + "more\n" }),
        (
            "a time that is not one",
            { @Sendable (text: String) in text.replacingOccurrences(of: "recorded\t1000.25", with: "recorded\tsoon") }
        ),
    ])
    func aFileThatIsNotExactlyARecordIsNone(_ change: (String, @Sendable (String) -> String)) {
        #expect(IdleRecord(text: change.1(Self.record.text())) == nil, "\(change.0)")
    }

    @Test func theRecordHoldsOnlyForTheSameInputsBeforeTheNextFullPass() {
        let record = Self.record
        #expect(record.difference(from: Self.inputs, at: 1_000.25) == nil)
        #expect(record.difference(from: Self.inputs, at: 4_600.24) == nil)
        var changed = Self.inputs
        changed.code = "1:2:3:9.9"
        #expect(record.difference(from: changed, at: 2_000) == "the program")
        changed = Self.inputs
        changed.configuration = "c2"
        #expect(record.difference(from: changed, at: 2_000) == "the configuration")
        changed = Self.inputs
        changed.references = "r2"
        #expect(record.difference(from: changed, at: 2_000) == "the repository's references")
        changed = Self.inputs
        changed.stateFiles = "s2"
        #expect(record.difference(from: changed, at: 2_000) == "the state directory")
        #expect(record.difference(from: Self.inputs, at: 999) == "the clock went back")
        #expect(record.difference(from: Self.inputs, at: 4_600.25) == "a full pass is due")
    }

    @Test func aQuietCycleIsRecorded() {
        #expect(IdleRecord.refusal(Self.quiet) == nil)
        var withoutFunctions = Self.quiet
        withoutFunctions.requests = 1
        withoutFunctions.listAnswers = 1
        #expect(IdleRecord.refusal(withoutFunctions) == nil)
        var filtered = Self.quiet
        filtered.report.filtered = 3
        #expect(IdleRecord.refusal(filtered) == nil, "a filter decides the same way every time")
    }

    static let pulled = CommitMessage.SyncedWorkflow(slug: "a", name: "A", id: "1", lockVersion: 2, isNew: false)

    /// Each way a cycle can have done, read, left or said something: none is recorded.
    @Test(arguments: [
        ("a dry run", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.dryRun = true }),
        ("a full pass", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.fullPass = true }),
        ("no full pass yet", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.state.lastFullPass = nil }),
        ("a pull", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.pulled = [pulled] }),
        ("a push", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.pushed = [pulled] }),
        ("a creation", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.created = [pulled] }),
        ("an archive", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.archived = ["a"] }),
        ("a removal", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.removed = ["a"] }),
        (
            "a function",
            { @Sendable (facts: inout IdleRecord.CycleFacts) in
                facts.report.functions = [.init(slug: "f", id: "9", kind: .adopted, lockVersion: 1)]
            }
        ),
        (
            "a commit",
            { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.commit = ObjectID(hex: String(repeating: "a", count: 40)) }
        ),
        ("objects written", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.objectsWritten = 1 }),
        ("a fetch", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.fetched = 1 }),
        ("a fetch that changed nothing", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.unchanged = 1 }),
        ("another request", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.requests = 3 }),
        ("a list in pages", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.requests = 3 }),
        ("a failure", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.failures = [.init(workflow: "a", reason: "x")] }),
        (
            "an invalid folder",
            { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.invalid = [.init(workflow: "a", reason: "x")] }
        ),
        (
            "a conflict",
            { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.conflicts = [.init(workflow: "a", reason: "x", branch: nil)] }
        ),
        ("missing in Kapso", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.missingInKapso = ["a"] }),
        ("deleted in git", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.deletedInGit = ["a"] }),
        ("a warning", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.report.warnings = ["x"] }),
        ("an unreadable list entry", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.listInvalid = 1 }),
        ("an unreadable function entry", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.functionListInvalid = 1 }),
        ("a changed state", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.stateChanged = true }),
        ("an open intent", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.openIntents = 1 }),
        ("a resolved intent", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.resolvedIntents = 1 }),
        ("a pending fetch", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.state.pendingFetch = ["1"] }),
        (
            "an unreadable workflow",
            { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.state.unreadable = ["1": .init(lockVersion: 3, reason: "x")] }
        ),
        ("a pending deployment", { @Sendable (facts: inout IdleRecord.CycleFacts) in facts.state.pendingDeploys = ["9"] }),
    ])
    func aCycleThatDidSomethingIsNotRecorded(_ change: (String, @Sendable (inout IdleRecord.CycleFacts) -> Void)) {
        var facts = Self.quiet
        change.1(&facts)
        #expect(IdleRecord.refusal(facts) != nil, "\(change.0)")
    }

    /// A setting added to the engine's configuration must decide whether a cycle repeats an idle one.
    @Test func theRecordCoversEverySetting() {
        let configuration = SyncConfiguration(author: Signature(name: "a", email: "b"), stateDirectory: "/tmp/x")
        let properties = Set(Mirror(reflecting: configuration).children.compactMap(\.label))
        #expect(properties == SyncConfiguration.idleRecordProperties)
        var other = configuration
        other.autoMerge.toggle()
        #expect(other.idleRecordText != configuration.idleRecordText)
        other = configuration
        other.filter = WorkflowFilter(include: [], exclude: [], statuses: ["active"])
        #expect(other.idleRecordText != configuration.idleRecordText)
        other = configuration
        other.functions.deploy = false
        #expect(other.idleRecordText != configuration.idleRecordText)
    }
}
