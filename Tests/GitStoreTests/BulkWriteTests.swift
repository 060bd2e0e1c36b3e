import Foundation
import GitStore
import TestSupport
import Testing

/// The bulk write's own packs (`StreamingPack`): git itself must find them sound, every object must be
/// readable at every moment (held in memory, then in a pack), and a failed import must leave nothing
/// referenced.
@Suite struct BulkWriteTests {
    let author = Signature(name: "Sync Bot", email: "bot@example.invalid", time: (1_767_225_600, 0))

    /// Files of varied sizes, some repeated, one empty: `count` of them.
    static func files(_ count: Int) -> [(path: String, bytes: [UInt8])] {
        (0..<count).map { index in
            let text = String(repeating: "{\"node\": \(index), \"text\": \"é 🩺\"}\n", count: index % 7 * 40)
            return ("workflows/w\(index % 50)/file\(index).json", Array(text.utf8))
        }
    }

    @Test(arguments: [nil, 512])
    func packsWrittenAsTheyComeAreSoundAndReadable(windowBytes: Int?) async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let files = Self.files(300)
        try await store.beginBulkWrite(windowBytes: windowBytes)
        var blobs: [String: ObjectID] = [:]
        for file in files {
            blobs[file.path] = try await store.writeBlob(file.bytes)
            // Readable at once, whether it is still held or already in a pack.
            #expect(try await store.readBlob(blobs[file.path]!) == file.bytes)
        }
        let tree = try await store.updateTree(base: nil, changes: files.map { .upsert(path: $0.path, blob: blobs[$0.path]!) })
        let commit = try await store.commit(tree: tree, parents: [], message: "import\n", author: author)
        let packs = try await store.finishBulkWrite()
        try await store.updateReference("refs/heads/main", to: commit, expected: nil, logMessage: "test")
        #expect(windowBytes == nil ? packs == 1 : packs > 10)

        for file in files { #expect(try await store.readFile(atPath: file.path, inTree: tree) == file.bytes) }
        let fsck = try await runGit(["--git-dir", store.path, "fsck", "--full", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        let packFiles = try FileManager.default.contentsOfDirectory(atPath: store.path + "/objects/pack").filter { $0.hasSuffix(".idx") }
        #expect(packFiles.count == packs)
        for index in packFiles {
            let verify = try await runGit(["--git-dir", store.path, "verify-pack", store.path + "/objects/pack/" + index])
            #expect(verify.status == 0, "\(verify.output)")
        }
        // Nothing loose: the whole import is in the packs.
        let count = try await runGit(["--git-dir", store.path, "count-objects", "-v"])
        #expect(count.output.contains("count: 0\n"), "\(count.output)")
        let show = try await runGit(["--git-dir", store.path, "show", "main:\(files[13].path)"])
        #expect(show.output == String(decoding: files[13].bytes, as: UTF8.self))
    }

    @Test func anObjectAlreadyInTheRepositoryIsNotPackedAgain() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let before = try await store.writeBlob(Array("kept\n".utf8))
        let written = await store.objectsWritten
        try await store.beginBulkWrite()
        #expect(try await store.writeBlob(Array("kept\n".utf8)) == before)
        #expect(try await store.writeBlob(Array("new\n".utf8)) == store.writeBlob(Array("new\n".utf8)))
        #expect(await store.objectsWritten - written == 1)
        try await store.finishBulkWrite()
        let verify = try await runGit(["--git-dir", store.path, "cat-file", "-p", before.hex])
        #expect(verify.output == "kept\n")
    }

    /// An import that fails leaves what it packed unreferenced, and the repository sound.
    @Test func aDiscardedImportLeavesTheRepositorySound() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        try await store.beginBulkWrite(windowBytes: 256)
        var last: ObjectID?
        for file in Self.files(60) { last = try await store.writeBlob(file.bytes) }
        await store.discardBulkWrite()
        #expect(try await store.resolve(reference: "refs/heads/main") == nil)
        let fsck = try await runGit(["--git-dir", store.path, "fsck", "--full", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        // What reached a pack before the failure is there; what was only held is gone.
        let kept = try await runGit(["--git-dir", store.path, "cat-file", "-e", last!.hex])
        #expect(kept.status != 0)
        #expect(try await store.readBlob(store.writeBlob(Array("after\n".utf8))) == Array("after\n".utf8))
    }

    /// A reference moved in the middle of a bulk write (the push intents' reference, before each write
    /// to Kapso) names objects on disk: the bulk write dying after it loses nothing the reference needs.
    @Test func aReferenceMovedDuringABulkWriteNamesObjectsOnDisk() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        try await store.beginBulkWrite()
        let blob = try await store.writeBlob(Array("intent\n".utf8))
        let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "intent.json", blob: blob)])
        let commit = try await store.commit(tree: tree, parents: [], message: "intents\n", author: author)
        try await store.updateReference("refs/kapso-gitsync/test", to: commit, expected: nil, logMessage: "test")
        _ = try await store.writeBlob(Array("held only\n".utf8))
        await store.discardBulkWrite()

        let reopened = try GitStore(path: store.path)
        #expect(try await reopened.readFile(atPath: "intent.json", inTree: reopened.tree(ofCommit: commit)) == Array("intent\n".utf8))
        let fsck = try await runGit(["--git-dir", store.path, "fsck", "--full", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
    }
}
