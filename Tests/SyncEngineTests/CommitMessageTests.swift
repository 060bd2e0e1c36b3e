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
}
