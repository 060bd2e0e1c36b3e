import Foundation
import GitStore
import TestSupport
import Testing

/// Loose objects are moved into a pack (as `git repack -d` and `git prune-packed` do): git must read
/// the result as a sound repository, every object must still read, and a damaged loose file must be
/// left and reported, never packed and never waited on.
@Suite struct LoosePackerTests {
    let author = Signature(name: "Sync Bot", email: "bot@example.invalid", time: (1_767_225_600, 0))

    /// A map-like file of `entries` lines; each commit changes a few of them, as the remote-map changes.
    private static func map(entries: Int, changed: Range<Int>, round: Int) -> [UInt8] {
        Array((0..<entries).map { "\"workflow-\($0)\": {\"lock_version\": \(changed.contains($0) ? round : 0)},\n" }.joined().utf8)
    }

    /// `commits` commits on main, each writing a new map and one new file (rounds from `first`).
    private func history(_ store: GitStore, commits: Int, from first: Int = 1) async throws -> [ObjectID] {
        var parent = try await store.resolve(reference: "refs/heads/main")
        var commitIDs: [ObjectID] = []
        for round in first..<(first + commits) {
            let map = try await store.writeBlob(Self.map(entries: 3000, changed: (round * 10)..<(round * 10 + 10), round: round))
            let file = try await store.writeBlob(Array("workflow \(round)\n".utf8))
            var base: ObjectID?
            if let parent { base = try await store.tree(ofCommit: parent) }
            let tree = try await store.updateTree(
                base: base,
                changes: [
                    .upsert(path: ".kapso/remote-map.json", blob: map), .upsert(path: "workflows/w\(round)/workflow.json", blob: file),
                ])
            let commit = try await store.commit(tree: tree, parents: parent.map { [$0] } ?? [], message: "round \(round)", author: author)
            try await store.updateReference("refs/heads/main", to: commit, expected: parent, logMessage: "round \(round)")
            parent = commit
            commitIDs.append(commit)
        }
        return commitIDs
    }

    private func gitCount(_ path: String) async throws -> [String: Int] {
        let counted = try await runGit(["--git-dir", path, "count-objects", "-v"])
        var values: [String: Int] = [:]
        for line in counted.output.split(separator: "\n") {
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let value = Int(parts[1]) { values[parts[0]] = value }
        }
        return values
    }

    @Test func looseObjectsBecomeOnePackThatGitReads() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        let commits = try await history(store, commits: 12)
        let before = try await store.looseObjectCount()
        let counted = try await gitCount(path)
        #expect(before.objects == counted["count"])
        #expect(before.bytes / 1024 == counted["size"])

        let outcome = try await store.packLooseObjects(maximumBytes: .max)
        #expect(outcome.packed == before.objects && outcome.damaged.isEmpty && outcome.leftLoose == 0)
        #expect(outcome.looseBytesRemoved == before.bytes)
        // The maps are deltas of one another in the pack.
        #expect(outcome.packBytes * 4 < before.bytes, "\(outcome.packBytes) bytes packed from \(before.bytes)")
        #expect(try await store.looseObjectCount() == LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1))

        let after = try await gitCount(path)
        #expect(after["count"] == 0 && after["packs"] == 1 && after["in-pack"] == before.objects)
        let fsck = try await runGit(["--git-dir", path, "fsck", "--full", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.output)")
        // This store, and a new one, read every commit's files from the pack.
        let reopened = try GitStore(path: path)
        for (index, commit) in commits.enumerated() {
            let tree = try await store.tree(ofCommit: commit)
            let expected = Self.map(entries: 3000, changed: ((index + 1) * 10)..<((index + 1) * 10 + 10), round: index + 1)
            #expect(try await store.readFile(atPath: ".kapso/remote-map.json", inTree: tree) == expected)
            #expect(
                try await reopened.readFile(atPath: "workflows/w\(index + 1)/workflow.json", inTree: tree)
                    == Array("workflow \(index + 1)\n".utf8))
        }
        // Writing goes on as before, loose, and the next run makes a second pack.
        _ = try await history(store, commits: 1)
        #expect(try await store.looseObjectCount().objects > 0)
        let second = try await store.packLooseObjects(maximumBytes: .max)
        let packs = try await gitCount(path)["packs"]
        #expect(second.packed > 0 && packs == 2)
    }

    @Test func aRunPacksAtMostItsBytesAndTheNextPacksTheRest() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        _ = try await history(store, commits: 6)
        let before = try await store.looseObjectCount()
        let first = try await store.packLooseObjects(maximumBytes: before.bytes / 3)
        #expect(first.packed > 0 && first.leftLoose > 0 && first.packed + first.leftLoose == before.objects)
        #expect(try await store.looseObjectCount().objects == first.leftLoose)
        let second = try await store.packLooseObjects(maximumBytes: .max)
        #expect(second.packed == first.leftLoose && second.leftLoose == 0)
        let fsck = try await runGit(["--git-dir", path, "fsck", "--full", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }

    /// libgit2 1.5 spins forever on a loose object cut short; packing reads each one first.
    @Test func aDamagedLooseObjectIsLeftAndNamedWhileTheOthersArePacked() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        _ = try await history(store, commits: 3)
        let unreferenced = try await store.writeBlob(Self.map(entries: 500, changed: 0..<1, round: 99))
        let damagedPath = path + "/objects/" + unreferenced.hex.prefix(2) + "/" + unreferenced.hex.dropFirst(2)
        let stored = try Data(contentsOf: URL(fileURLWithPath: damagedPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: damagedPath)
        try stored.prefix(stored.count / 2).write(to: URL(fileURLWithPath: damagedPath))
        let before = try await store.looseObjectCount()

        let outcome = try await store.packLooseObjects(maximumBytes: .max)
        #expect(outcome.damaged.count == 1 && outcome.damaged.first?.contains(damagedPath) == true, "\(outcome.damaged)")
        #expect(outcome.packed == before.objects - 1)
        #expect(FileManager.default.fileExists(atPath: damagedPath))
        #expect(try await store.looseObjectCount().objects == 1)
        let head = try #require(try await store.resolve(reference: "refs/heads/main"))
        let tree = try await store.tree(ofCommit: head)
        #expect(try await store.readFile(atPath: "workflows/w3/workflow.json", inTree: tree) == Array("workflow 3\n".utf8))
    }

    /// Loose objects a pack already holds (a run that died before removing them, or `git repack`
    /// without `-d`) are removed, not packed twice; but only a pack that ends as its index says counts.
    @Test func looseObjectsAlreadyPackedAreRemovedOnlyWhenTheirPackIsWhole() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        _ = try await history(store, commits: 4)
        let before = try await store.looseObjectCount()
        let repack = try await runGit(["--git-dir", path, "repack", "-q"])
        #expect(repack.status == 0, "\(repack.output)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: path + "/objects/pack").filter { $0.hasSuffix(".pack") }
        let looseAfterRepack = try await store.looseObjectCount()
        #expect(packs.count == 1 && looseAfterRepack == LooseObjectCount(objects: before.objects, bytes: before.bytes, smallPacks: 1))

        // Cut short: its objects are packed anew, their loose files kept until then.
        let copy = directory.path + "/copy.git"
        let copied = try await runProcess(URL(fileURLWithPath: "/bin/cp"), ["-a", path, copy])
        #expect(copied.status == 0)
        let cut = copy + "/objects/pack/" + packs[0]
        let whole = try Data(contentsOf: URL(fileURLWithPath: cut))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cut)
        try whole.prefix(whole.count - 20).write(to: URL(fileURLWithPath: cut))
        let anew = try await GitStore(path: copy).packLooseObjects(maximumBytes: .max)
        #expect(anew.packed == before.objects)

        // Whole: the loose copies go, and no second pack is written.
        let outcome = try await store.packLooseObjects(maximumBytes: .max)
        #expect(outcome.packed == 0 && outcome.looseBytesRemoved == before.bytes)
        #expect(try await store.looseObjectCount().objects == 0)
        let counted = try await gitCount(path)
        #expect(counted["packs"] == 1 && counted["count"] == 0)
        let fsck = try await runGit(["--git-dir", path, "fsck", "--full", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }

    /// Each commit of the service writes a pack of its own (a bulk write): they become one pack, which
    /// git reads whole and from which every commit reads; a pack kept by a `.keep` file, and one of
    /// 2,000 objects or more, stay as they are.
    @Test func smallPacksBecomeOneAndKeptOrLargePacksStay() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        var commits: [ObjectID] = []
        for round in 1...5 {
            try await store.beginBulkWrite()
            commits += try await history(store, commits: 1, from: round)
            try await store.finishBulkWrite()
        }
        try await store.beginBulkWrite()
        for index in 0..<2000 { _ = try await store.writeBlob(Array("blob \(index)\n".utf8)) }
        try await store.finishBulkWrite()
        try await store.beginBulkWrite()
        _ = try await store.writeBlob(Array("kept\n".utf8))
        try await store.finishBulkWrite()
        let packDirectory = path + "/objects/pack"
        // The index of a pack of one object: 1,072 bytes of frame and 28 for the object.
        let kept = try #require(
            try FileManager.default.contentsOfDirectory(atPath: packDirectory).first { name in
                name.hasSuffix(".idx")
                    && (try? FileManager.default.attributesOfItem(atPath: packDirectory + "/" + name)[.size] as? Int) == 1072 + 28
            })
        #expect(FileManager.default.createFile(atPath: packDirectory + "/" + kept.dropLast(4) + ".keep", contents: Data()))
        let before = try await store.looseObjectCount()
        #expect(before == LooseObjectCount(objects: 0, bytes: 0, smallPacks: 5))

        let outcome = try await store.packLooseObjects(maximumBytes: .max)
        #expect(outcome.packsMerged == 5 && outcome.packed == 5 * 7 && outcome.damaged.isEmpty, "\(outcome)")
        #expect(try await store.looseObjectCount() == LooseObjectCount(objects: 0, bytes: 0, smallPacks: 1))
        #expect(try await gitCount(path)["packs"] == 3)
        let fsck = try await runGit(["--git-dir", path, "fsck", "--full", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.output)")
        let reopened = try GitStore(path: path)
        for (index, commit) in commits.enumerated() {
            let tree = try await store.tree(ofCommit: commit)
            #expect(
                try await store.readFile(atPath: "workflows/w\(index + 1)/workflow.json", inTree: tree)
                    == Array("workflow \(index + 1)\n".utf8))
            #expect(try await reopened.tree(ofCommit: commit) == tree, "commit \(index)")
        }

        // One small pack left: nothing to merge.
        let again = try await store.packLooseObjects(maximumBytes: .max)
        #expect(again.packed == 0 && again.packsMerged == 0)
        #expect(try await gitCount(path)["packs"] == 3)
    }
}
