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
            name: "both changed differently", base: base(("1", "a", "d")), local: ["a": .files(hashes: files("a", "d2"))],
            remote: ["1": .init(slug: "a", hashes: files("a", "d3"))],
            expected: [.conflict(id: "1", folder: "a", reason: "changed both in git and in Kapso")]),
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
}
