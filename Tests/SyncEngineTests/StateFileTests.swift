import Foundation
import SyncEngine
import Testing

/// The state and status files are written by hand (the Codable encoders were most of an idle cycle at
/// 10,000 workflows): what is written must read back the same, and damage must never be taken as state.
@Suite struct StateFileTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kapso-gitsync-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let awkward = ["plain", "tab\there", "new\nline", "back\\slash", "\\t not a tab", "cr\r", "é 🩺", "", " spaced "]

    static func fullState() -> SyncState {
        var state = SyncState()
        state.lastFullPass = 1_796_277_051.3959239
        state.localTree = "f6e9b4d2fdb11e74ff2108a3f1a1fd3d9d513217"
        state.remoteMapWritten = .init(blob: "b04505d9883378894c283b54c59c8c0b5abf61b4", layout: 1)
        for (index, text) in awkward.enumerated() {
            state.knownVersions["id-\(index) \(text)"] = .init(
                lockVersion: index == 0 ? nil : index, files: ["workflows/\(text)/definition.json": "hash \(text)", "p\(index)": text])
            state.localFiles["folder \(text)"] = .init(blobs: ["b \(text)": "blob\(index)"], hashes: [:])
            state.pendingFetch.insert("pending \(text)")
            state.unreadable["u\(index)"] = .init(lockVersion: index == 1 ? nil : index, reason: "reason: \(text)")
        }
        state.knownFunctionVersions = ["f1": "1|2026-01-01T00:00:01Z", "f\t2": "a\\b"]
        state.pendingDeploys = ["f1", "new\nline"]
        return state
    }

    @Test func everyFieldReadsBackTheSame() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = Self.fullState()
        try state.save(to: directory.path)
        #expect(SyncState.load(from: directory.path) == state)
    }

    @Test func emptyOptionalSectionsStayDistinctFromMissingOnes() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var state = SyncState()
        state.knownFunctionVersions = [:]
        state.pendingDeploys = []
        try state.save(to: directory.path)
        #expect(SyncState.load(from: directory.path) == state)
        try SyncState().save(to: directory.path)
        #expect(SyncState.load(from: directory.path) == SyncState())
    }

    /// A file cut short, or with a line this release does not know, is an empty state: it costs requests, never a wrong skip.
    @Test(arguments: [
        "", "kapso-gitsync state 3\n", "garbage\n", "kapso-gitsync state 4\nknown\tid\tx\t0\n",
        "kapso-gitsync state 4\nknown\tid\t1\t2\ta\tb\n",
        "kapso-gitsync state 4\nlocal\tf\t1\ta\n", "kapso-gitsync state 4\nfuture\tthing\n", "kapso-gitsync state 4\nfull\tsoon\n",
        "kapso-gitsync state 4\nknown\tid\t1\t1\ta\tb\textra\nend\n", "kapso-gitsync state 4\nknown\tid\t1\t1\ta\tb\n",
        "kapso-gitsync state 4\nend\nknown\tid\t1\t1\ta\tb\nend\n", "kapso-gitsync state 4\nend",
        "kapso-gitsync state 4\nremotemap\tone\tb04505d9\nend\n", "kapso-gitsync state 4\nremotemap\t1\nend\n",
    ])
    func damageGivesAnEmptyState(text: String) throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(text.utf8).write(to: directory.appendingPathComponent("sync-state.json"))
        #expect(SyncState.load(from: directory.path) == SyncState())
    }

    @Test func aStateCutAnywhereIsNeverReadAsAnotherState() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = Self.fullState()
        try state.save(to: directory.path)
        let file = directory.appendingPathComponent("sync-state.json")
        let bytes = try Data(contentsOf: file)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            try bytes.prefix(length).write(to: file)
            #expect(SyncState.load(from: directory.path) == SyncState(), "cut at \(length) of \(bytes.count) bytes")
        }
    }

    /// The JSON form of earlier releases is still read, so an upgrade does not cost a full pass.
    @Test func theEarlierJSONFormIsRead() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let state = Self.fullState()
        let encoder = JSONEncoder()
        try encoder.encode(state).write(to: directory.appendingPathComponent("sync-state.json"))
        #expect(SyncState.load(from: directory.path) == state)
    }

    @Test func theStatusFileReadsBackTheSame() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let workflows = Self.awkward.enumerated().map { index, text in
            StatusFile.Workflow(
                slug: "slug-\(index)", id: index == 0 ? nil : "id \(text)", state: index % 2 == 0 ? "in_sync" : "conflict",
                detail: index == 2 ? nil : "detail \(text)", branch: "kapso/conflict/\(text)", conflicts: index == 3 ? [] : [text, "x"],
                gitChanges: index == 4 ? nil : ["\"quoted\" \(text)"], kapsoChanges: [text])
        }
        let statuses = [
            StatusFile(
                updatedAt: 1_796_277_051.3959239, cycleID: "abc", result: "attention", lastError: "error \"x\"\n\\",
                lastSuccessAt: 1e-05, commit: "0123abcd", workflows: workflows),
            StatusFile(updatedAt: 0, result: "error", workflows: []),
            StatusFile(updatedAt: 12, result: "success", lastSuccessAt: .infinity, workflows: []),
        ]
        for status in statuses {
            try status.save(to: directory.path)
            let data = try Data(contentsOf: directory.appendingPathComponent("status.json"))
            #expect(try JSONSerialization.jsonObject(with: data) is [String: Any])
            var expected = status
            if expected.lastSuccessAt?.isFinite == false { expected.lastSuccessAt = nil }
            #expect(StatusFile.load(from: directory.path) == expected)
        }
    }
}
