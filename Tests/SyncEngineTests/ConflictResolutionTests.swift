import CanonicalJSON
import SyncEngine
import Testing
import WorkflowRepo

@Suite struct ConflictResolutionTests {
    static func entry(lock: Int?, files: String = "f", slug: String = "support", id: String = "1") -> RemoteMap.Entry {
        RemoteMap.Entry(
            id: id, slug: slug, lockVersion: lock, status: "active", updatedAt: nil,
            files: files.isEmpty ? [:] : ["workflows/\(slug)/definition.json": files])
    }

    static func commit(
        _ recorded: RemoteMap.Entry?, from startedFrom: RemoteMap.Entry?, kept: Bool = true
    )
        -> ConflictResolution.MergedCommit
    {
        .init(recorded: recorded, startedFrom: startedFrom, mainKeptItsEntrySinceTheFork: kept)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let main: RemoteMap.Entry?
        let merged: [ConflictResolution.MergedCommit]
        let expected: RemoteMap.Entry?
        var testDescription: String { name }
    }

    static let main = entry(lock: 3)

    static let cases: [Case] = [
        Case(name: "no conflict commit in main's history: main's entry", main: main, merged: [], expected: main),
        Case(
            name: "a merge that took the branch's entry along: main's entry changed since the fork, main's entry",
            main: entry(lock: 5, files: "k"), merged: [commit(entry(lock: 5, files: "k"), from: main, kept: false)],
            expected: entry(lock: 5, files: "k")),
        Case(
            name: "-s ours: main kept the entry the branch grew from, the branch's entry is the base", main: main,
            merged: [commit(entry(lock: 5, files: "k"), from: main)], expected: entry(lock: 5, files: "k")),
        Case(
            name: "-s ours after a trigger-only change in Kapso: same lock_version, the branch's entry", main: main,
            merged: [commit(entry(lock: 3, files: "trigger switched"), from: main)],
            expected: entry(lock: 3, files: "trigger switched")),
        Case(
            name: "a branch that grew, with a person's commit in between: its newest commit", main: main,
            merged: [
                commit(entry(lock: 4, files: "k4"), from: main), commit(entry(lock: 6, files: "k6"), from: entry(lock: 4, files: "k4")),
                commit(entry(lock: 7, files: "k7"), from: entry(lock: 6, files: "k6")),
            ],
            expected: entry(lock: 7, files: "k7")),
        Case(
            name: "a branch commit on top of a person's edit of the map: the commits before it", main: main,
            merged: [
                commit(entry(lock: 4, files: "k4"), from: main),
                commit(entry(lock: 6, files: "k6"), from: entry(lock: 4, files: "edited by hand")),
            ],
            expected: entry(lock: 4, files: "k4")),
        Case(
            name: "an old conflict, resolved and synced since, main's entry back to the branch's start: main's entry",
            main: main, merged: [commit(entry(lock: 3, files: "k"), from: main, kept: false)], expected: main),
        Case(
            name: "a branch forked from another version than main's: main's entry", main: main,
            merged: [commit(entry(lock: 5, files: "k"), from: entry(lock: 2))], expected: main),
        Case(
            name: "Kapso had moved the folder: main's files are in another one, main's entry", main: main,
            merged: [commit(entry(lock: 5, files: "k", slug: "help"), from: main)], expected: main),
        Case(
            name: "another workflow's entry: main's entry", main: main,
            merged: [commit(entry(lock: 5, files: "k", id: "2"), from: main)], expected: main),
        Case(
            name: "a tombstone on the branch: main's entry", main: main, merged: [commit(entry(lock: 5, files: ""), from: main)],
            expected: main),
        Case(
            name: "a lower lock_version than main's: from before main's version, main's entry", main: main,
            merged: [commit(entry(lock: 2, files: "k"), from: main)], expected: main),
        Case(
            name: "unreadable maps in the branch's commits: main's entry", main: main,
            merged: [commit(nil, from: main), commit(entry(lock: 5, files: "k"), from: nil)], expected: main),
        Case(
            name: "no lock_version anywhere: history alone decides", main: entry(lock: nil),
            merged: [commit(entry(lock: nil, files: "k"), from: entry(lock: nil))], expected: entry(lock: nil, files: "k")),
        Case(
            name: "no entry in main: none", main: nil, merged: [commit(entry(lock: 5), from: entry(lock: 3))], expected: nil),
    ]

    @Test(arguments: cases)
    func theBaseIsTheKapsoVersionThePersonResolvedAgainst(_ testCase: Case) {
        #expect(ConflictResolution.base(main: testCase.main, merged: testCase.merged) == testCase.expected)
    }

    @Test func mainsOwnFieldsAreKept() {
        var main = Self.main
        main.extra = ["sourceFile": .string("workflow.js")]
        var expected = Self.entry(lock: 5, files: "k")
        expected.extra = main.extra
        #expect(ConflictResolution.base(main: main, merged: [Self.commit(Self.entry(lock: 5, files: "k"), from: Self.main)]) == expected)
    }
}
