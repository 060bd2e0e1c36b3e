import Foundation
import GitStore
import TestSupport
import Testing

/// A push to a server reached by path while a person pushes to it: libgit2's local transport checked
/// fast-forward against what it read when it connected and then overwrote the reference, so a push
/// landing in between was lost. The references now move by compare-and-swap in the server.
@Suite struct PathServerPushTests {
    let author = Signature(name: "Sync Bot", email: "bot@example.invalid", time: (1_767_225_600, 0))

    struct Setup {
        let directory: TemporaryDirectory
        let server: String
        let store: GitStore
        let first: ObjectID
        let checkout: String
    }

    /// A server with `main` at one commit, the service's store and a person's clone of the server.
    func setUp() async throws -> Setup {
        let directory = try TemporaryDirectory()
        let server = directory.path + "/server.git"
        #expect(try await runGit(["init", "-q", "--bare", "-b", "main", server]).status == 0)
        let store = try GitStore(path: directory.path + "/local.git")
        let first = try await commit("one\n", parent: nil, store: store)
        try await store.updateReference("refs/heads/main", to: first, expected: nil, logMessage: "test")
        try await store.push(RemoteAccess(url: server), updates: [.init(reference: "refs/heads/main", tip: first, condition: .fastForward)])
        let checkout = directory.path + "/person"
        #expect(try await runGit(["clone", "-q", server, checkout]).status == 0)
        return Setup(directory: directory, server: server, store: store, first: first, checkout: checkout)
    }

    func commit(_ text: String, parent: ObjectID?, store: GitStore) async throws -> ObjectID {
        let blob = try await store.writeBlob(Array(text.utf8))
        let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "file.txt", blob: blob)])
        return try await store.commit(tree: tree, parents: parent.map { [$0] } ?? [], message: text, author: author)
    }

    /// A person's `git commit` and `git push` of `branch`, run to the end before it returns (it runs
    /// inside the push, on the store's own thread).
    static func personPushes(_ checkout: String, branch: String) -> @Sendable () -> Void {
        {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [
                "-c",
                "git checkout -q -B \(branch) && echo person >> file.txt && git add file.txt"
                    + " && git -c user.name=P -c user.email=p@example.invalid commit -q -m person && git push -q origin \(branch)",
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: checkout)
            try? launch(process)
            process.waitUntilExit()
        }
    }

    @Test func aPersonsPushLandingDuringOursIsKeptAndOursIsALostRace() async throws {
        let setup = try await setUp()
        let ours = try await commit("two\n", parent: setup.first, store: setup.store)
        try await setup.store.updateReference("refs/heads/main", to: ours, expected: setup.first, logMessage: "test")
        await setup.store.setPushInterleaving(Self.personPushes(setup.checkout, branch: "main"))

        let error = await #expect(throws: RemoteError.self) {
            try await setup.store.push(
                RemoteAccess(url: setup.server), updates: [.init(reference: "refs/heads/main", tip: ours, condition: .fastForward)])
        }
        #expect(error?.kind == .nonFastForward)
        let serverMain = try await runGit(["--git-dir", setup.server, "log", "-1", "--format=%s", "main"])
        #expect(serverMain.output == "person\n", "the person's push is still there")
        let staging = try await runGit(["--git-dir", setup.server, "for-each-ref", "refs/kapso-gitsync/"])
        #expect(staging.output.isEmpty, "no staging reference left: \(staging.output)")
    }

    @Test func aConflictBranchAPersonPushedToDuringOursIsNotReplaced() async throws {
        let setup = try await setUp()
        let branch = "kapso-gitsync/conflict/flow"
        let fetched = try await commit("kapso one\n", parent: setup.first, store: setup.store)
        try await setup.store.updateReference("refs/heads/\(branch)", to: fetched, expected: nil, logMessage: "test")
        try await setup.store.push(
            RemoteAccess(url: setup.server), updates: [.init(reference: "refs/heads/\(branch)", tip: fetched, condition: .holds(nil))])
        #expect(try await runGit(["fetch", "-q", "origin"], in: setup.checkout).status == 0)
        #expect(try await runGit(["checkout", "-q", "-b", branch, "origin/\(branch)"], in: setup.checkout).status == 0)
        let replacement = try await commit("kapso two\n", parent: setup.first, store: setup.store)
        try await setup.store.updateReference("refs/heads/\(branch)", to: replacement, expected: fetched, logMessage: "test")
        await setup.store.setPushInterleaving(Self.personPushes(setup.checkout, branch: branch))

        await #expect(throws: RemoteError.self) {
            try await setup.store.push(
                RemoteAccess(url: setup.server),
                updates: [.init(reference: "refs/heads/\(branch)", tip: replacement, condition: .holds(fetched))])
        }
        let tip = try await runGit(["--git-dir", setup.server, "log", "-1", "--format=%s", branch])
        #expect(tip.output == "person\n", "the person's commit on the conflict branch is kept")
    }

    @Test func withoutARaceTheReferencesMoveAndDeletionsHappen() async throws {
        let setup = try await setUp()
        let ours = try await commit("two\n", parent: setup.first, store: setup.store)
        try await setup.store.updateReference("refs/heads/side", to: ours, expected: nil, logMessage: "test")
        try await setup.store.push(
            RemoteAccess(url: "file://" + setup.server), updates: [.init(reference: "refs/heads/side", tip: ours, condition: .holds(nil))])
        #expect(try await runGit(["--git-dir", setup.server, "rev-parse", "side"]).output == ours.hex + "\n")
        try await setup.store.push(
            RemoteAccess(url: setup.server), updates: [.init(reference: "refs/heads/side", tip: nil, condition: .holds(ours))])
        #expect(try await runGit(["--git-dir", setup.server, "rev-parse", "--verify", "-q", "side"]).status != 0)
    }
}
