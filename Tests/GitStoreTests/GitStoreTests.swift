import Foundation
import GitStore
import TestSupport
import Testing

@Suite struct GitStoreTests {
    let author = Signature(name: "Sync Bot", email: "bot@example.invalid", time: (1_767_225_600, 0))

    @Test func createsABareRepositoryWithTheInitialBranch() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git", initialBranch: "trunk")
        #expect(try await store.resolve(reference: "refs/heads/trunk") == nil)
        let config = try await runGit(["--git-dir", store.path, "config", "core.bare"])
        #expect(config.output.trimmingCharacters(in: .whitespacesAndNewlines) == "true")
        let head = try await runGit(["--git-dir", store.path, "symbolic-ref", "HEAD"])
        #expect(head.output.trimmingCharacters(in: .whitespacesAndNewlines) == "refs/heads/trunk")
    }

    @Test func writesNestedTreesCommitsAndReadsThemBack() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let a = try await store.writeBlob(Array("alpha\n".utf8))
        let b = try await store.writeBlob(Array("beta\n".utf8))
        let tree = try await store.updateTree(
            base: nil,
            changes: [
                .upsert(path: "workflows/one/a.json", blob: a), .upsert(path: "workflows/two/b.json", blob: b),
                .upsert(path: "top.yaml", blob: a),
            ])
        let commit = try await store.commit(tree: tree, parents: [], message: "first\n", author: author)
        try await store.updateReference("refs/heads/main", to: commit, expected: nil, logMessage: "test")

        #expect(try await store.resolve(reference: "refs/heads/main") == commit)
        #expect(try await store.readFile(atPath: "workflows/two/b.json", inTree: tree) == Array("beta\n".utf8))
        #expect(try await store.readFile(atPath: "workflows/missing.json", inTree: tree) == nil)
        #expect(try await store.files(inTree: tree, under: "workflows") == ["workflows/one/a.json": a, "workflows/two/b.json": b])
        #expect(try await store.files(inTree: tree).count == 3)
        // Named folders of one folder: a name that is missing, or a file, holds nothing.
        #expect(
            try await store.files(inTree: tree, under: "workflows", inFolders: ["two", "missing"]) == ["workflows/two/b.json": b])
        #expect(try await store.files(inTree: tree, under: "", inFolders: ["workflows", "top.yaml"]).count == 2)
        #expect(try await store.files(inTree: tree, under: "nowhere", inFolders: ["one"]).isEmpty)
        #expect(try await store.writeBlobs([Array("beta\n".utf8), Array("alpha\n".utf8)]) == [b, a])
        #expect(try await store.blobIDs(of: [Array("alpha\n".utf8)]) == [a])

        // The git CLI sees the same content, and the repository is sound.
        let show = try await runGit(["--git-dir", store.path, "show", "main:workflows/one/a.json"])
        #expect(show.output == "alpha\n")
        let fsck = try await runGit(["--git-dir", store.path, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)")
        let log = try await runGit(["--git-dir", store.path, "log", "--format=%an <%ae> %s", "main"])
        #expect(log.output == "Sync Bot <bot@example.invalid> first\n")
    }

    @Test func unchangedSubtreesAreReusedAndOnlyChangedFoldersWritten() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let a = try await store.writeBlob(Array("a".utf8))
        let b = try await store.writeBlob(Array("b".utf8))
        let first = try await store.updateTree(
            base: nil, changes: [.upsert(path: "workflows/one/f", blob: a), .upsert(path: "workflows/two/f", blob: a)])
        let before = await store.objectsWritten
        let second = try await store.updateTree(base: first, changes: [.upsert(path: "workflows/two/f", blob: b)])
        // workflows/two, workflows and the root: three new trees, workflows/one untouched.
        #expect(await store.objectsWritten - before == 3)
        let oneBefore = try await runGit(["--git-dir", store.path, "rev-parse", "\(first.hex):workflows/one"]).output
        let oneAfter = try await runGit(["--git-dir", store.path, "rev-parse", "\(second.hex):workflows/one"]).output
        #expect(oneBefore == oneAfter)
        let same = try await store.updateTree(base: second, changes: [.upsert(path: "workflows/two/f", blob: b)])
        #expect(same == second)
    }

    @Test func writingAnExistingBlobWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let first = try await store.writeBlob(Array("same".utf8))
        let count = await store.objectsWritten
        let again = try await store.writeBlob(Array("same".utf8))
        #expect(first == again)
        #expect(await store.objectsWritten == count)
        #expect(try await store.blobID(of: Array("same".utf8)) == first)
    }

    @Test func removingTheLastFileRemovesItsFolder() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let a = try await store.writeBlob(Array("a".utf8))
        let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "w/x/f", blob: a), .upsert(path: "k", blob: a)])
        let pruned = try await store.updateTree(base: tree, changes: [.remove(path: "w/x/f")])
        #expect(try await store.files(inTree: pruned) == ["k": a])
        let listing = try await runGit(["--git-dir", store.path, "ls-tree", "-r", "-t", pruned.hex])
        #expect(!listing.output.contains("\tw"), "\(listing.output)")
    }

    @Test func referenceMovesOnlyFromTheExpectedCommit() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "f", blob: try await store.writeBlob([1]))])
        let c1 = try await store.commit(tree: tree, parents: [], message: "one", author: author)
        let c2 = try await store.commit(tree: tree, parents: [c1], message: "two", author: author)
        try await store.updateReference("refs/heads/main", to: c1, expected: nil, logMessage: "create")

        await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: c2, expected: nil, logMessage: "must not overwrite")
        }
        do {
            try await store.updateReference("refs/heads/main", to: c2, expected: c2, logMessage: "stale expectation")
            Issue.record("a stale compare-and-swap must fail")
        } catch {
            #expect(error.code == .refModified)
            #expect(error.function == "git_reference_create_matching")
        }
        #expect(try await store.resolve(reference: "refs/heads/main") == c1)
        try await store.updateReference("refs/heads/main", to: c2, expected: c1, logMessage: "fast-forward")
        #expect(try await store.resolve(reference: "refs/heads/main") == c2)
        #expect(try await store.commitInfo(c2).parents == [c1])
    }

    @Test func unsafePathsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let blob = try await store.writeBlob([1])
        for path in ["../escape", "/abs", "a/../b", "a//b", ".git/config", "a/./b", "dir/", ""] {
            await #expect(throws: GitError.self, "\(path)") {
                try await store.updateTree(base: nil, changes: [.upsert(path: path, blob: blob)])
            }
        }
    }

    @Test func opensAPersonsNonBareCloneToo() async throws {
        let directory = try TemporaryDirectory()
        #expect(try await runGit(["init", "-q", "-b", "main", directory.path + "/work"]).status == 0)
        let store = try GitStore(path: directory.path + "/work", createIfMissing: false)
        #expect(try await store.resolve(reference: "refs/heads/main") == nil)
    }

    @Test func errorsNameTheLibgit2Function() async throws {
        let directory = try TemporaryDirectory()
        do {
            _ = try GitStore(path: directory.path + "/does-not-exist", createIfMissing: false)
            Issue.record("opening a missing repository must fail")
        } catch {
            #expect(error.function == "git_repository_open_bare")
            #expect(!error.message.isEmpty)
        }
    }
}
