import Foundation
import GitStore
import TestSupport
import Testing

/// Blobs are written and read as loose objects by `LooseObjects` (hashed once, with a fast SHA-1);
/// git must find them exactly as it writes them, and a damaged one must be refused, never returned.
@Suite struct LooseObjectsTests {
    static let contents: [(name: String, bytes: [UInt8])] = [
        ("empty", []),
        ("one line", Array("alpha\n".utf8)),
        ("every byte value", (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }),
        ("large text", Array((0..<20_000).map { "\"node-\($0)\": {\"next\": \"node-\($0 + 1)\"},\n" }.joined().utf8)),
    ]

    private func objectPath(_ id: ObjectID, in store: GitStore) -> String {
        store.path + "/objects/" + id.hex.prefix(2) + "/" + id.hex.dropFirst(2)
    }

    @Test func blobsAreWrittenAsGitWritesThem() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        for (name, bytes) in Self.contents {
            let file = directory.path + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let id = try await store.writeBlob(bytes)
            let hashed = try await runGit(["hash-object", file])
            #expect(hashed.output == id.hex + "\n", "\(name)")
            #expect(try await store.blobID(of: bytes) == id, "\(name)")
            let attributes = try FileManager.default.attributesOfItem(atPath: objectPath(id, in: store))
            #expect((attributes[.posixPermissions] as? Int) == 0o444, "\(name)")
            #expect(try await store.readBlob(id) == bytes, "\(name)")
            // Written once: the second write finds it.
            #expect(try await store.writeBlob(bytes) == id)
        }
        #expect(await store.objectsWritten == Self.contents.count)
        let fsck = try await runGit(["--git-dir", store.path, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        let shown = try await runGit(["--git-dir", store.path, "cat-file", "blob", try await store.blobID(of: Self.contents[3].bytes).hex])
        #expect(Array(shown.output.utf8) == Self.contents[3].bytes)
    }

    @Test func blobsGitWroteAreReadLooseOrPacked() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        _ = try GitStore(path: path)
        var ids: [ObjectID] = []
        for (name, bytes) in Self.contents {
            let file = directory.path + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let written = try await runGit(["--git-dir", path, "hash-object", "-w", file])
            ids.append(try #require(ObjectID(hex: written.output.trimmingCharacters(in: .whitespacesAndNewlines))))
        }
        let store = try GitStore(path: path)
        for (index, (name, bytes)) in Self.contents.enumerated() {
            #expect(try await store.readBlob(ids[index]) == bytes, "\(name), loose")
        }
        // Packed by a person's `git gc`: libgit2 reads them (a tag on each keeps it from being pruned).
        let tags = ids.enumerated().map { ["--git-dir", path, "tag", "blob-\($0.offset)", $0.element.hex] }
        let repack = try await runGit(commands: tags + [["--git-dir", path, "repack", "-a", "-d", "-q"]])
        #expect(repack.status == 0, "\(repack.output)")
        let packed = try GitStore(path: path)
        for (index, (name, bytes)) in Self.contents.enumerated() {
            #expect(!FileManager.default.fileExists(atPath: objectPath(ids[index], in: packed)), "\(name)")
            #expect(try await packed.readBlob(ids[index]) == bytes, "\(name), packed")
        }
    }

    @Test func aLooseBlobWithOtherContentIsRefusedNamingItsFile() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let kept = try await store.writeBlob(Array("{\"name\": \"kept\"}\n".utf8))
        let other = try await store.writeBlob(Array("{\"name\": \"other\"}\n".utf8))
        // A whole, valid object stored under another object's name.
        let keptPath = objectPath(kept, in: store)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keptPath)
        try Data(contentsOf: URL(fileURLWithPath: objectPath(other, in: store))).write(to: URL(fileURLWithPath: keptPath))
        let error = try await #require(throws: GitError.self) { try await store.readBlob(kept) }
        #expect(error.message.contains(keptPath) && error.message.contains("corrupt"), "\(error.message)")
        #expect(try await store.readBlob(other) == Array("{\"name\": \"other\"}\n".utf8))
    }

    /// libgit2 1.5 never returns from reading a loose object cut short: the store must answer instead.
    @Test(arguments: ["cut in half", "emptied", "not deflated", "longer than its header"])
    func aDamagedLooseBlobIsRefusedNamingItsFile(damage: String) async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let bytes = Self.contents[3].bytes
        let id = try await store.writeBlob(bytes)
        let path = objectPath(id, in: store)
        let stored = try Data(contentsOf: URL(fileURLWithPath: path))
        let damaged: Data =
            switch damage {
            case "cut in half": stored.prefix(stored.count / 2)
            case "emptied": Data()
            case "not deflated": Data("blob \(bytes.count)\0".utf8) + Data(bytes)
            default: try await Self.deflated(Data("blob \(bytes.count - 1)\0".utf8) + Data(bytes), in: directory)
            }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try damaged.write(to: URL(fileURLWithPath: path))
        let error = try await #require(throws: GitError.self) { try await store.readBlob(id) }
        #expect(error.message.contains(path), "\(error.message)")
    }

    /// libgit2 reads trees and commits itself; `LooseObjectGuard` reads their loose files first, so a
    /// damaged one is an error naming it. Without the guard this test never ends: libgit2 1.5 spins.
    @Test(arguments: ["tree", "commit"], ["cut in half", "emptied"])
    func aDamagedLooseTreeOrCommitIsAnErrorNamingItsFile(object: String, damage: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/repo.git"
        let store = try GitStore(path: path)
        let blob = try await store.writeBlob(Self.contents[3].bytes)
        let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "workflows/a/definition.json", blob: blob)])
        let commit = try await store.commit(
            tree: tree, parents: [], message: "one", author: Signature(name: "Sync Bot", email: "bot@example.invalid"))
        let damaged = object == "tree" ? tree : commit
        let file = objectPath(damaged, in: store)
        let stored = try Data(contentsOf: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        try (damage == "emptied" ? Data() : stored.prefix(stored.count / 2)).write(to: URL(fileURLWithPath: file))

        // A new store: nothing of the objects is cached.
        let reopened = try GitStore(path: path)
        let error = try await #require(throws: GitError.self) {
            _ = try await reopened.files(inTree: try await reopened.tree(ofCommit: commit))
        }
        #expect(error.message.contains(file), "\(error.message)")
        // The blob, whole, still reads.
        #expect(try await reopened.readBlob(blob) == Self.contents[3].bytes)
    }

    /// A zlib stream of `bytes`, deflated by Python's zlib (the tests have no zlib of their own).
    private static func deflated(_ bytes: Data, in directory: TemporaryDirectory) async throws -> Data {
        let input = directory.path + "/raw", output = directory.path + "/deflated"
        try bytes.write(to: URL(fileURLWithPath: input))
        let script = "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.compress(open(sys.argv[1], 'rb').read()))"
        let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, input, output])
        #expect(result.status == 0, "\(result.combined)")
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }
}
