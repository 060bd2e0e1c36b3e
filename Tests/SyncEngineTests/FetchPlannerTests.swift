import CanonicalJSON
import KapsoModels
import SyncEngine
import Testing
import WorkflowRepo

@Suite struct FetchPlannerTests {
    static func summary(_ id: String, _ slug: String, lock: Int?) -> JSONValue {
        [
            "id": .string(id), "name": .string("Name \(id)"), "slug": .string(slug), "status": "active",
            "lock_version": lock.map { .number(JSONNumber($0)) } ?? .null,
        ]
    }

    static func entry(_ id: String, _ slug: String, lock: Int?, files: [String: String] = ["f": "h"]) -> RemoteMap.Entry {
        RemoteMap.Entry(id: id, slug: slug, lockVersion: lock, status: "active", updatedAt: nil, files: files)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let list: [JSONValue]
        let base: [RemoteMap.Entry]
        var known: [String: FetchPlanner.KnownVersion] = [:]
        var fullPass = false
        let fetch: [String]
        let upToDate: [String]
        var rejected: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "new workflow", list: [summary("1", "a", lock: 1)], base: [], fetch: ["1"], upToDate: []),
        Case(name: "same lock_version", list: [summary("1", "a", lock: 3)], base: [entry("1", "a", lock: 3)], fetch: [], upToDate: ["1"]),
        Case(name: "lock_version moved", list: [summary("1", "a", lock: 4)], base: [entry("1", "a", lock: 3)], fetch: ["1"], upToDate: []),
        Case(
            name: "lock_version moved, known to hold the base content", list: [summary("1", "a", lock: 4)],
            base: [entry("1", "a", lock: 3)],
            known: ["1": .init(lockVersion: 4, files: ["f": "h"])], fetch: [], upToDate: ["1"]),
        Case(
            name: "known version, but the base changed since", list: [summary("1", "a", lock: 4)],
            base: [entry("1", "a", lock: 3, files: ["f": "other"])],
            known: ["1": .init(lockVersion: 4, files: ["f": "h"])], fetch: ["1"], upToDate: []),
        Case(
            name: "null lock_version on both sides", list: [summary("1", "a", lock: nil)], base: [entry("1", "a", lock: nil)], fetch: [],
            upToDate: ["1"]),
        Case(
            name: "full pass fetches everything", list: [summary("1", "a", lock: 3)], base: [entry("1", "a", lock: 3)], fullPass: true,
            fetch: ["1"], upToDate: []),
        Case(
            name: "slug changed in Kapso", list: [summary("1", "b", lock: 3)], base: [entry("1", "a", lock: 3)], fetch: ["1"], upToDate: []),
        Case(
            name: "hostile slug", list: [summary("1", "../etc", lock: 1), summary("2", "ok", lock: 1)], base: [], fetch: ["2"],
            upToDate: [], rejected: ["\"Name 1\" (1)"]),
        Case(
            name: "duplicate slug", list: [summary("1", "a", lock: 1), summary("2", "a", lock: 1)], base: [], fetch: ["1"], upToDate: [],
            rejected: ["a (2)"]),
        Case(
            name: "folder held by another live workflow", list: [summary("1", "b", lock: 1), summary("2", "a", lock: 1)],
            base: [entry("1", "a", lock: 1)],
            fetch: ["1"], upToDate: [], rejected: ["a (2)"]),
        Case(
            name: "deleted in Kapso, recreated with the same slug", list: [summary("2", "a", lock: 1)], base: [entry("1", "a", lock: 1)],
            fetch: ["2"], upToDate: []),
        Case(name: "missing in Kapso", list: [], base: [entry("1", "gone", lock: 1)], fetch: [], upToDate: []),
    ]

    @Test(arguments: cases)
    func plans(_ testCase: Case) {
        let base = RemoteMap(workflows: Dictionary(uniqueKeysWithValues: testCase.base.map { ($0.slug, $0) }))
        let plan = FetchPlanner.plan(
            list: WorkflowList(items: testCase.list), base: base, known: testCase.known, fullPass: testCase.fullPass)
        #expect(plan.fetch.map(\.id) == testCase.fetch)
        #expect(plan.upToDate.map(\.id) == testCase.upToDate)
        #expect(plan.rejected.map(\.workflow) == testCase.rejected)
        // Every listed workflow is fetched, up to date or rejected, and only one of them.
        let listed = Set(testCase.list.compactMap { $0["id"]?.stringValue })
        #expect(plan.rejectedIDs == listed.subtracting(testCase.fetch).subtracting(testCase.upToDate))
        #expect(plan.rejectedIDs.count == testCase.rejected.count)
    }

    @Test func unreadableEntriesAreRejectedByName() {
        let plan = FetchPlanner.plan(
            list: WorkflowList(items: [["id": "x", "name": "Broken"], Self.summary("1", "a", lock: 1)]), base: RemoteMap(), known: [:],
            fullPass: false)
        #expect(plan.rejected.map(\.workflow) == ["\"Broken\""])
        #expect(plan.fetch.map(\.id) == ["1"])
    }
}
