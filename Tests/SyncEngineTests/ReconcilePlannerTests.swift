import SyncEngine
import Testing
import WorkflowRepo

@Suite struct ReconcilePlannerTests {
    typealias Action = ReconcilePlanner.Action

    static func files(_ slug: String, _ definition: String, _ yaml: String = "y") -> [String: String] {
        ["workflows/\(slug)/definition.json": definition, "workflows/\(slug)/workflow.yaml": yaml]
    }

    static func base(_ entries: (id: String, slug: String, definition: String)...) -> RemoteMap {
        var map = RemoteMap()
        for entry in entries {
            map.set(
                .init(
                    id: entry.id, slug: entry.slug, lockVersion: 1, status: "active", updatedAt: nil,
                    files: files(entry.slug, entry.definition)))
        }
        return map
    }

    static func tombstone(_ id: String, _ slug: String) -> RemoteMap {
        var map = RemoteMap()
        map.set(.init(id: id, slug: slug, lockVersion: 2, status: "archived", updatedAt: nil, files: [:]))
        return map
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let base: RemoteMap
        let local: [String: ReconcilePlanner.Local]
        let remote: [String: ReconcilePlanner.Remote]
        let expected: [Action]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "nothing changed", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: nil)], expected: []),
        Case(
            name: "lock_version bump with the same content", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d"))], expected: []),
        Case(
            name: "changed in Kapso", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d2"))], expected: [.pull(id: "1")]),
        Case(
            name: "renamed in Kapso (name only)", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d", "y2"))], expected: [.pull(id: "1")]),
        Case(
            name: "slug changed in Kapso", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "b", hashes: files("b", "d"))], expected: [.pull(id: "1")]),
        Case(
            name: "changed in git", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d2"))],
            remote: ["1": .init(slug: "a", hashes: nil)], expected: [.push(id: "1", folder: "a")]),
        Case(
            name: "changed in git, lock_version bumped in Kapso with the same content", base: base(("1", "a", "d")),
            local: ["a": .files(hashes: files("a", "d2"))], remote: ["1": .init(slug: "a", hashes: files("a", "d"))],
            expected: [.push(id: "1", folder: "a")]),
        Case(
            name: "both changed to the same content", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d2"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d2"))], expected: [.adopt(id: "1")]),
        Case(
            name: "both changed differently: merged", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d2"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d3"))], expected: [.merge(id: "1", folder: "a")]),
        Case(
            name: "changed in git while the slug changed in Kapso: a conflict, never a merge", base: base(("1", "a", "d")),
            local: ["a": .files(hashes: files("a", "d2"))], remote: ["1": .init(slug: "b", hashes: files("b", "d"))],
            expected: [.conflict(id: "1", folder: "a", reason: "changed in git while its slug changed in Kapso")]),
        Case(
            name: "new in Kapso", base: base(), local: [:], remote: ["1": .init(slug: "a", hashes: files("a", "d"))],
            expected: [.pull(id: "1")]),
        Case(
            name: "new folder in git", base: base(), local: ["a": .files(hashes: files("a", "d"))], remote: [:],
            expected: [.create(folder: "a")]),
        Case(
            name: "new on both sides with the same slug and content", base: base(), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d"))], expected: [.adopt(id: "1")]),
        Case(
            name: "new on both sides with the same slug, different content", base: base(), local: ["a": .files(hashes: files("a", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "x"))],
            expected: [.conflict(id: "1", folder: "a", reason: "a new folder in git and a new workflow in Kapso share this slug")]),
        Case(
            name: "folder renamed in git", base: base(("1", "a", "d")), local: ["b": .files(hashes: files("b", "d", "y-b"))],
            remote: ["1": .init(slug: "a", hashes: nil)], expected: [.rename(id: "1", from: "a", to: "b")]),
        Case(
            name: "folder renamed in git while Kapso changed", base: base(("1", "a", "d")), local: ["b": .files(hashes: files("b", "d"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d9"))],
            expected: [.conflict(id: "1", folder: "b", reason: "folder renamed in git while the workflow changed in Kapso")]),
        Case(
            name: "deleted in git", base: base(("1", "a", "d")), local: [:], remote: ["1": .init(slug: "a", hashes: nil)],
            expected: [.deletedInGit(id: "1", folder: "a")]),
        Case(
            name: "deleted in git, changed in Kapso", base: base(("1", "a", "d")), local: [:],
            remote: ["1": .init(slug: "a", hashes: files("a", "d2"))],
            expected: [.conflict(id: "1", folder: "a", reason: "deleted in git but changed in Kapso")]),
        Case(
            name: "deleted in Kapso", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))], remote: [:],
            expected: [.deletedInKapso(id: "1", folder: "a")]),
        Case(
            name: "changed in git, deleted in Kapso", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d2"))],
            remote: [:],
            expected: [.conflict(id: "1", folder: "a", reason: "changed in git but deleted in Kapso")]),
        Case(
            name: "deleted on both sides", base: base(("1", "a", "d")), local: [:], remote: [:], expected: [.forget(id: "1", folder: "a")]),
        Case(
            name: "invalid local file", base: base(("1", "a", "d")), local: ["a": .invalid(reason: "bad JSON")],
            remote: ["1": .init(slug: "a", hashes: nil)], expected: [.invalid(folder: "a", reason: "bad JSON")]),
        Case(
            name: "invalid local file while Kapso changed", base: base(("1", "a", "d")), local: ["a": .invalid(reason: "bad JSON")],
            remote: ["1": .init(slug: "a", hashes: files("a", "d2"))],
            expected: [.conflict(id: "1", folder: "a", reason: "changed in Kapso while the files in git are invalid: bad JSON")]),
        Case(
            name: "invalid new folder", base: base(), local: ["n": .invalid(reason: "no yaml")], remote: [:],
            expected: [.invalid(folder: "n", reason: "no yaml")]),
    ]

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        #expect(ReconcilePlanner.plan(base: testCase.base, local: testCase.local, remote: testCase.remote) == testCase.expected)
    }

    static func moved(_ from: String, to folder: String) -> ReconcilePlanner.Local {
        .moved(from: from, reason: "workflows/\(folder)/workflow.yaml: slug \"\(from)\" differs from its folder \(folder)")
    }

    static func base(_ map: RemoteMap, plus other: RemoteMap) -> RemoteMap {
        var merged = map
        for entry in other.workflows.values { merged.set(entry) }
        return merged
    }

    static let archiving = ReconcilePlanner.Policy(deletedInGit: .archive, deletedInKapso: .remove)

    /// Cases of issue 9: moved folders, tombstones, slug take-over, invalid folders in the way, policies.
    static let syncRuleCases: [(Case, ReconcilePlanner.Policy)] = [
        (
            Case(
                name: "both changed differently, with auto_merge off: a conflict", base: base(("1", "a", "d")),
                local: ["a": .files(hashes: files("a", "d2"))], remote: ["1": .init(slug: "a", hashes: files("a", "d3"))],
                expected: [.conflict(id: "1", folder: "a", reason: "changed both in git and in Kapso")]),
            ReconcilePlanner.Policy(autoMerge: false)
        ),
        (
            Case(
                name: "folder moved in git, slug: still names the workflow", base: base(("1", "a", "d")), local: ["b": moved("a", to: "b")],
                remote: ["1": .init(slug: "a", hashes: nil)], expected: [.rename(id: "1", from: "a", to: "b")]), archiving
        ),
        (
            Case(
                name: "folder moved in git while Kapso changed", base: base(("1", "a", "d")), local: ["b": moved("a", to: "b")],
                remote: ["1": .init(slug: "a", hashes: files("a", "d2"))],
                expected: [.conflict(id: "1", folder: "b", reason: "folder renamed in git while the workflow changed in Kapso")]),
            archiving
        ),
        (
            Case(
                name: "folder copied in git: the copy is invalid, the original untouched", base: base(("1", "a", "d")),
                local: ["a": .files(hashes: files("a", "d")), "b": moved("a", to: "b")], remote: ["1": .init(slug: "a", hashes: nil)],
                expected: [.invalid(folder: "b", reason: "workflows/b/workflow.yaml: slug \"a\" differs from its folder b")]), archiving
        ),
        (
            Case(
                name: "folder moved, and a copy with its own slug made beside it: the moved folder keeps the workflow",
                base: base(("1", "a", "d")), local: ["m": .files(hashes: files("m", "d")), "z": moved("a", to: "z")],
                remote: ["1": .init(slug: "a", hashes: nil)], expected: [.rename(id: "1", from: "a", to: "z"), .create(folder: "m")]),
            archiving
        ),
        (
            Case(
                name: "two folders claim one moved workflow: both invalid, nothing archived", base: base(("1", "a", "d")),
                local: ["b": moved("a", to: "b"), "c": moved("a", to: "c")], remote: ["1": .init(slug: "a", hashes: nil)],
                expected: [
                    .invalid(folder: "b", reason: "workflows/b/workflow.yaml: slug \"a\" differs from its folder b"),
                    .invalid(folder: "c", reason: "workflows/c/workflow.yaml: slug \"a\" differs from its folder c"),
                ]), archiving
        ),
        (
            Case(
                name: "slug: names no workflow: invalid, nothing created", base: base(), local: ["b": moved("zz", to: "b")], remote: [:],
                expected: [.invalid(folder: "b", reason: "workflows/b/workflow.yaml: slug \"zz\" differs from its folder b")]), archiving
        ),
        (
            Case(
                name: "triggers changed in Kapso (workflow.yaml), definition changed in git: merged", base: base(("1", "a", "d")),
                local: ["a": .files(hashes: files("a", "d2"))], remote: ["1": .init(slug: "a", hashes: files("a", "d", "y-triggers"))],
                expected: [.merge(id: "1", folder: "a")]), archiving
        ),
        (
            Case(
                name: "triggers changed in git only", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d", "y-git"))],
                remote: ["1": .init(slug: "a", hashes: files("a", "d"))], expected: [.push(id: "1", folder: "a")]), archiving
        ),
        (
            Case(
                name: "deleted in git with archive", base: base(("1", "a", "d")), local: [:], remote: ["1": .init(slug: "a", hashes: nil)],
                expected: [.archive(id: "1", folder: "a")]), archiving
        ),
        (
            Case(
                name: "deleted in Kapso with remove", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d"))],
                remote: [:], expected: [.removeFolder(id: "1", folder: "a")]), archiving
        ),
        (
            Case(
                name: "tombstone, still archived, content read on a full pass", base: tombstone("1", "a"), local: [:],
                remote: ["1": .init(slug: "a", hashes: files("a", "d"), status: "archived")], expected: []), archiving
        ),
        (
            Case(
                name: "tombstone restored in Kapso", base: tombstone("1", "a"), local: [:],
                remote: ["1": .init(slug: "a", hashes: nil, status: "active")], expected: [.pull(id: "1")]), archiving
        ),
        (
            Case(
                name: "new workflow takes the slug of one deleted in Kapso whose folder is kept", base: base(("1", "a", "d")),
                local: ["a": .files(hashes: files("a", "d"))], remote: ["2": .init(slug: "a", hashes: files("a", "x"))],
                expected: [
                    .deletedInKapso(id: "1", folder: "a"),
                    .refuse(id: "2", slug: "a", reason: "folder workflows/a is kept for workflow 1, deleted in Kapso"),
                ]), ReconcilePlanner.Policy()
        ),
        (
            Case(
                name: "new workflow takes the folder of one deleted in Kapso and removed", base: base(("1", "a", "d")),
                local: ["a": .files(hashes: files("a", "d"))], remote: ["2": .init(slug: "a", hashes: files("a", "x"))],
                expected: [.pull(id: "2")]), archiving
        ),
        (
            Case(
                name: "slug changed in Kapso to the kept folder of a workflow deleted there", base: base(("1", "a", "d"), ("2", "b", "e")),
                local: ["a": .files(hashes: files("a", "d")), "b": .files(hashes: files("b", "e"))],
                remote: ["2": .init(slug: "a", hashes: files("a", "e"))],
                expected: [
                    .deletedInKapso(id: "1", folder: "a"),
                    .refuse(id: "2", slug: "a", reason: "folder workflows/a belongs to workflow 1, deleted in Kapso and kept in git"),
                ]), ReconcilePlanner.Policy()
        ),
        (
            Case(
                name: "new workflow in Kapso where git has an unreadable new folder", base: base(),
                local: ["a": .invalid(reason: "bad JSON")], remote: ["2": .init(slug: "a", hashes: files("a", "x"))],
                expected: [
                    .refuse(id: "2", slug: "a", reason: "folder workflows/a in git is in the way and is not in sync"),
                    .invalid(folder: "a", reason: "bad JSON"),
                ]), archiving
        ),
    ]

    @Test(arguments: syncRuleCases)
    func decidesTheSyncRules(_ testCase: Case, policy: ReconcilePlanner.Policy) {
        #expect(
            ReconcilePlanner.plan(base: testCase.base, local: testCase.local, remote: testCase.remote, policy: policy) == testCase.expected)
    }

    @Test func asksForKapsosContentBeforeEveryWriteOrPull() {
        let actions: [Action] = [
            .push(id: "1", folder: "a"), .pull(id: "2"), .rename(id: "3", from: "c", to: "d"), .archive(id: "4", folder: "e"),
            .deletedInGit(id: "5", folder: "f"), .create(folder: "g"), .push(id: "6", folder: "h"), .merge(id: "7", folder: "i"),
        ]
        #expect(ReconcilePlanner.unreadBeforeActing(actions, read: ["6"]) == ["1", "2", "3", "4", "7"])
    }
}
