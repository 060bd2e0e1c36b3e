import SyncEngine
import Testing

@Suite struct CommitMessageTests {
    @Test func oneWorkflowNamesItInTheSubject() {
        let message = CommitMessage.pull(
            [.init(slug: "medicopay", name: "MediCopay", id: "id-1", lockVersion: 12, isNew: false)], cycleID: "c1")
        #expect(
            message == """
                Pull medicopay from Kapso (lock_version 12)

                - update medicopay "MediCopay" at lock_version 12

                Kapso-Workflow: medicopay id=id-1 lock_version=12
                Kapso-Sync-Cycle: c1

                """)
    }

    @Test func manyWorkflowsAreCountedAndListedInOrder() {
        let message = CommitMessage.pull(
            [
                .init(slug: "b", name: "B\nsecond line", id: "2", lockVersion: nil, isNew: true),
                .init(slug: "a", name: "A", id: "1", lockVersion: 3, isNew: false),
            ], cycleID: "c2")
        #expect(
            message.hasPrefix(
                "Pull 2 workflows from Kapso (1 new)\n\n- update a \"A\" at lock_version 3\n- add b \"B second line\" at lock_version none\n"
            ))
        #expect(
            message.hasSuffix("Kapso-Workflow: a id=1 lock_version=3\nKapso-Workflow: b id=2 lock_version=none\nKapso-Sync-Cycle: c2\n"))
    }

    /// A name is written on one line whatever newline it holds; text that only looks like one in UTF-8
    /// (a character starting with the same byte) is kept.
    @Test(arguments: [
        ("a\u{2028}b\u{2029}c", "a b c"), ("a\u{85}b", "a b"), ("a\r\nb", "a b"), ("a\u{0B}\u{0C}b", "a  b"),
        ("€uro ¢ ‘q’", "€uro ¢ ‘q’"), ("plain", "plain"),
    ])
    func namesAreWrittenOnOneLine(name: String, written: String) {
        let message = CommitMessage.pull([.init(slug: "s", name: name, id: "1", lockVersion: 1, isNew: false)], cycleID: "c")
        #expect(message.contains("- update s \"\(written)\" at lock_version 1\n"))
    }

    @Test func aConflictCommitListsEachFieldWithBothValuesAndCarriesATrailerAMachineReadsBack() {
        let message = CommitMessage.conflict(
            folder: "support", name: "Support", id: "id-7", lockVersion: 9,
            details: .init(
                reason: "changed both in git and in Kapso: the same field differently",
                conflicts: ["node ask: data.config.message: git has \"Hi\", Kapso has \"Hey\""],
                gitChanges: ["node ask: data.config.message"],
                kapsoChanges: ["node ask: data.config.message", "name"]),
            branch: "main", forkedFromSync: true)
        #expect(message.hasPrefix("Kapso's version of support (lock_version 9), in conflict\n"))
        #expect(message.contains("In conflict:\n- node ask: data.config.message: git has \"Hi\", Kapso has \"Hey\"\n"))
        #expect(message.contains("Changed in Kapso since the last sync:\n- node ask: data.config.message\n- name\n"))
        #expect(message.contains("so its diff is Kapso's change alone"))
        #expect(CommitMessage.conflictIDs(in: message) == ["id-7"])
        // A squash merge's message quotes the branch's commits: their trailers are still found.
        #expect(CommitMessage.conflictIDs(in: "Resolve support (#12)\n\n* " + message) == ["id-7"])
        #expect(CommitMessage.conflictIDs(in: "Pull support\n\nKapso-Workflow: support id=id-7 lock_version=9\n").isEmpty)
    }

    @Test func aMergeNamesWhatCameFromWhichSide() {
        let merged = CycleReport.Merged(
            workflow: .init(slug: "support", name: "Support", id: "id-7", lockVersion: 10, isNew: false),
            fromGit: ["node ask: data.config.message"], fromKapso: ["name", "trigger inbound_message switched off"])
        let message = CommitMessage.cycle(pulled: [], pushed: [], merged: [merged], cycleID: "c2")
        #expect(message.hasPrefix("Merge git's and Kapso's edits of support (now lock_version 10)\n"))
        #expect(message.contains("  from git: node ask: data.config.message\n  from Kapso: name; trigger inbound_message switched off\n"))
        #expect(message.contains("Kapso-Merged: support id=id-7 lock_version=10\n"))
    }

    @Test func aPullSaysWhatChangedInEachWorkflowAndCapsIt() {
        let changes = (1...8).map { "node step_\($0): data.config.message" }
        let message = CommitMessage.pull(
            [
                .init(
                    slug: "support", name: "Support", id: "id-1", lockVersion: 4, isNew: false, changes: ["name", "trigger api_call added"]),
                .init(slug: "welcome", name: "Welcome", id: "id-2", lockVersion: 9, isNew: false, changes: changes),
            ], cycleID: "c3")
        #expect(message.contains("- update support \"Support\" at lock_version 4\n  name\n  trigger api_call added\n- update welcome"))
        #expect(message.contains("  node step_6: data.config.message\n  … and 2 more\n"))
        #expect(!message.contains("step_7"))
    }

    /// Functions follow the workflows: a paragraph of their own, their trailers before the cycle's; a
    /// cycle that changed only functions has a subject of theirs.
    @Test func functionsHaveTheirOwnParagraphAndTrailers() {
        let pushed = CommitMessage.SyncedWorkflow(slug: "support", name: "Support", id: "id-7", lockVersion: 10, isNew: false)
        let function = CycleReport.FunctionChange(slug: "quote", id: "f-1", kind: .pushed, lockVersion: 3, deployed: true)
        #expect(
            CommitMessage.cycle(pulled: [], pushed: [pushed], functions: [function], cycleID: "c3")
                == "Record push of support to Kapso (now lock_version 10)\n\n"
                + "- push support \"Support\", Kapso's form recorded at lock_version 10\n\n"
                + "- push function quote to Kapso at lock_version 3, deployment started\n\n"
                + "Kapso-Pushed: support id=id-7 lock_version=10\nKapso-Function: quote id=f-1 lock_version=3 pushed\n"
                + "Kapso-Sync-Cycle: c3\n")
        #expect(
            CommitMessage.cycle(pulled: [], pushed: [], functions: [function], cycleID: "c4")
                == "Record push of function quote to Kapso (now lock_version 3)\n\n"
                + "- push function quote to Kapso at lock_version 3, deployment started\n\n"
                + "Kapso-Function: quote id=f-1 lock_version=3 pushed\nKapso-Sync-Cycle: c4\n")
    }
}
