import Foundation
import GitStore
import TestSupport
import Testing

/// A `SIGKILL` inside a ref update leaves `refs/heads/main.lock`; every later update failed until a
/// person removed it. Only a lock that a marker proves to be a dead process's own is removed.
@Suite struct StaleRefLockTests {
    let author = Signature(name: "Sync Bot", email: "bot@example.invalid", time: (1_767_225_600, 0))

    func store() async throws -> (TemporaryDirectory, GitStore, first: ObjectID, second: ObjectID) {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        var commits: [ObjectID] = []
        for text in ["one\n", "two\n"] {
            let blob = try await store.writeBlob(Array(text.utf8))
            let tree = try await store.updateTree(base: nil, changes: [.upsert(path: "file.txt", blob: blob)])
            commits.append(try await store.commit(tree: tree, parents: commits.suffix(1), message: text, author: author))
        }
        try await store.updateReference("refs/heads/main", to: commits[0], expected: nil, logMessage: "test")
        return (directory, store, commits[0], commits[1])
    }

    /// The pid of a process that has ended.
    func deadPID() async throws -> Int32 {
        let result = try await runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo $$"])
        return try #require(Int32(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// What a process that died inside the update of `main` to `target` leaves behind: the lock holds
    /// `target`, or nothing when the process died before libgit2 wrote it (`lockHoldsTarget` false).
    func leaveBehind(in repository: String, pid: Int32, startTime: UInt64, target: ObjectID, lockHoldsTarget: Bool = true) throws {
        try Data(lockHoldsTarget ? (target.hex + "\n").utf8 : "".utf8).write(
            to: URL(fileURLWithPath: repository + "/refs/heads/main.lock"))
        let markers = repository + "/kapso-gitsync-ref-updates"
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        try Data("\(pid) \(startTime) \(target.hex) refs/heads/main\n".utf8).write(
            to: URL(fileURLWithPath: markers + "/\(pid)-refs_heads_main"))
    }

    @Test func aLockLeftByADeadProcessOfOursIsRemovedAndTheUpdateHappens() async throws {
        let (directory, store, first, second) = try await store()
        try leaveBehind(in: directory.path + "/repo.git", pid: try await deadPID(), startTime: 1, target: second)
        try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        #expect(try await store.resolve(reference: "refs/heads/main") == second)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/repo.git/refs/heads/main.lock"))
        let markers = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/repo.git/kapso-gitsync-ref-updates")
        #expect(markers.isEmpty, "\(markers)")
    }

    @Test func aLockNoMarkerExplainsIsLeftAndNamedInTheError() async throws {
        let (directory, store, first, second) = try await store()
        let lock = directory.path + "/repo.git/refs/heads/main.lock"
        try Data((second.hex + "\n").utf8).write(to: URL(fileURLWithPath: lock))
        let error = await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        }
        #expect(error?.description.contains(lock) == true, "\(String(describing: error))")
        #expect(FileManager.default.fileExists(atPath: lock), "a lock that may be a person's git is never broken")
        #expect(try await store.resolve(reference: "refs/heads/main") == first)
    }

    @Test func aLockOfALiveProcessIsNotBroken() async throws {
        let (directory, store, first, second) = try await store()
        // This test process is alive: a marker naming it, with its real start time, holds.
        let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        let startTime = try #require(UInt64(fields[19]))
        try leaveBehind(in: directory.path + "/repo.git", pid: getpid(), startTime: startTime, target: second)
        await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/repo.git/refs/heads/main.lock"))
    }

    @Test func aDeadProcessesMarkerDoesNotExplainALockHoldingAnotherValue() async throws {
        let (directory, store, first, second) = try await store()
        try leaveBehind(in: directory.path + "/repo.git", pid: try await deadPID(), startTime: 1, target: second)
        // Someone else's update to another value holds the lock now.
        try Data((first.hex + "\n").utf8).write(to: URL(fileURLWithPath: directory.path + "/repo.git/refs/heads/main.lock"))
        await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        }
        #expect(FileManager.default.fileExists(atPath: directory.path + "/repo.git/refs/heads/main.lock"))
    }

    /// Killed after libgit2 created the lock and before it wrote the new value (it reads the old value
    /// and appends to the reflog in between): seed 36 of `make soak-kills` left such a lock, and every
    /// later update, the person's pushes too, failed until a person removed it.
    @Test func anEmptyLockLeftByADeadProcessOfOursIsRemovedAndTheUpdateHappens() async throws {
        let (directory, store, first, second) = try await store()
        try leaveBehind(in: directory.path + "/repo.git", pid: try await deadPID(), startTime: 1, target: second, lockHoldsTarget: false)
        try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        #expect(try await store.resolve(reference: "refs/heads/main") == second)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/repo.git/refs/heads/main.lock"))
    }

    /// An empty lock is also what a live git holds for a moment before it writes the value: while any
    /// process has it open for writing, it is left, whatever the markers say.
    @Test func anEmptyLockSomeoneHasOpenForWritingIsLeft() async throws {
        let (directory, store, first, second) = try await store()
        let lock = directory.path + "/repo.git/refs/heads/main.lock"
        try leaveBehind(in: directory.path + "/repo.git", pid: try await deadPID(), startTime: 1, target: second, lockHoldsTarget: false)
        let writer = open(lock, O_WRONLY | O_CLOEXEC)
        #expect(writer >= 0)
        defer { close(writer) }
        let error = await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        }
        #expect(error?.description.contains(lock) == true, "\(String(describing: error))")
        #expect(FileManager.default.fileExists(atPath: lock))
        #expect(try await store.resolve(reference: "refs/heads/main") == first)
    }

    @Test func anEmptyLockNoMarkerExplainsIsLeft() async throws {
        let (directory, store, first, second) = try await store()
        let lock = directory.path + "/repo.git/refs/heads/main.lock"
        try Data().write(to: URL(fileURLWithPath: lock))
        await #expect(throws: GitError.self) {
            try await store.updateReference("refs/heads/main", to: second, expected: first, logMessage: "test")
        }
        #expect(FileManager.default.fileExists(atPath: lock), "a lock that may be a person's git is never broken")
    }

    /// A lock left by a killed sync refused every push of a person until the service's next reference
    /// update, which an idle service never makes (seed 112 of `make soak-kills`): a cycle removes the
    /// locks markers prove stale before anything else, and the markers of dead processes that hold no lock.
    @Test func staleLocksAndDeadMarkersGoWithoutAnUpdateOfOurs() async throws {
        let (directory, store, first, second) = try await store()
        let repository = directory.path + "/repo.git"
        let markers = repository + "/kapso-gitsync-ref-updates"
        try leaveBehind(in: repository, pid: try await deadPID(), startTime: 1, target: second, lockHoldsTarget: false)
        // A marker of a dead process whose update ended (no lock), and one naming no reference of git's.
        try Data("\(try await deadPID()) 1 \(first.hex) refs/heads/other\n".utf8).write(to: URL(fileURLWithPath: markers + "/1-other"))
        try Data("\(try await deadPID()) 1 \(first.hex) ../../config\n".utf8).write(to: URL(fileURLWithPath: markers + "/2-config"))

        let removed = await store.removeAbandonedFiles()

        #expect(removed == ["refs/heads/main.lock"])
        #expect(!FileManager.default.fileExists(atPath: repository + "/refs/heads/main.lock"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: markers) == ["2-config"], "not a marker: left as it is")
        #expect(FileManager.default.fileExists(atPath: repository + "/config"))
        let pushed = try await runGit(["--git-dir", repository, "update-ref", "refs/heads/main", second.hex, first.hex])
        #expect(pushed.status == 0, "\(pushed.output)")
    }
}
