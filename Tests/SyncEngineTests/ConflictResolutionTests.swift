import SyncEngine
import Testing
import WorkflowRepo

@Suite struct ConflictResolutionTests {
    static func entry(lock: Int?, files: String = "f", slug: String = "support", id: String = "1") -> RemoteMap.Entry {
        RemoteMap.Entry(
            id: id, slug: slug, lockVersion: lock, status: "active", updatedAt: nil,
            files: files.isEmpty ? [:] : ["workflows/\(slug)/definition.json": files])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let main: RemoteMap.Entry?
        let merged: [RemoteMap.Entry]
        let expected: RemoteMap.Entry?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no conflict commit in main's history: main's entry", main: entry(lock: 3), merged: [], expected: entry(lock: 3)),
        Case(
            name: "a merge that took the branch's entry along: main's entry already is Kapso's", main: entry(lock: 5, files: "k"),
            merged: [entry(lock: 5, files: "k")], expected: entry(lock: 5, files: "k")),
        Case(
            name: "-s ours: the branch's commit in the history is newer, its entry is the base", main: entry(lock: 3),
            merged: [entry(lock: 5, files: "k")], expected: entry(lock: 5, files: "k")),
        Case(
            name: "several merged over time: the newest", main: entry(lock: 3),
            merged: [entry(lock: 4, files: "k4"), entry(lock: 7, files: "k7"), entry(lock: 6, files: "k6")],
            expected: entry(lock: 7, files: "k7")),
        Case(
            name: "an old conflict, resolved and pushed since: main's newer entry", main: entry(lock: 8, files: "pushed"),
            merged: [entry(lock: 5, files: "k")], expected: entry(lock: 8, files: "pushed")),
        Case(
            name: "Kapso had moved the folder: main's files are in another one, main's entry", main: entry(lock: 3),
            merged: [entry(lock: 5, files: "k", slug: "help")], expected: entry(lock: 3)),
        Case(
            name: "another workflow's conflict: main's entry", main: entry(lock: 3), merged: [entry(lock: 5, files: "k", id: "2")],
            expected: entry(lock: 3)),
        Case(
            name: "a tombstone on the branch: main's entry", main: entry(lock: 3), merged: [entry(lock: 5, files: "")],
            expected: entry(lock: 3)),
        Case(
            name: "no lock_version to compare: main's entry", main: entry(lock: nil), merged: [entry(lock: 5, files: "k")],
            expected: entry(lock: nil)),
        Case(name: "no entry in main: none", main: nil, merged: [entry(lock: 5)], expected: nil),
    ]

    @Test(arguments: cases)
    func theBaseIsTheKapsoVersionThePersonResolvedAgainst(_ testCase: Case) {
        #expect(ConflictResolution.base(main: testCase.main, merged: testCase.merged) == testCase.expected)
    }
}
