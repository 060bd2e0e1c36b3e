import Foundation
import GitStore
import TestSupport
import Testing

/// A packing or a first import killed in the middle leaves its temporary pack and index in
/// `objects/pack` (seed 88 of `make soak-kills` left `pack_git2_…idx.lock`); git ignores them and
/// only `git gc` removes them. A cycle removes those of ours that no process is writing.
@Suite struct AbandonedFilesTests {
    @Test func whatAKilledWriterOfOursLeftIsRemovedAndNothingElse() async throws {
        let directory = try TemporaryDirectory()
        let repository = directory.path + "/repo.git"
        let store = try GitStore(path: repository)
        let pack = repository + "/objects/pack/"
        let left = ["pack_git2_3f9a1c", "pack_git2_3f9a1cidx.lock", "tmp_pack-0123456789abcdef0123456789abcdef01234567.pack"]
        let kept = ["tmp_pack_Xy12Zq", "tmp_idx_Xy12Zq", "pack_git2_open", "notes.txt"]
        for name in left + kept { try Data("bytes".utf8).write(to: URL(fileURLWithPath: pack + name)) }
        // A live writer of the same kind: it has its file open for writing.
        let writer = open(pack + "pack_git2_open", O_WRONLY | O_CLOEXEC)
        #expect(writer >= 0)
        defer { close(writer) }
        let dead = try await runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo $$"])
        let deadPID = try #require(Int32(dead.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        let settings = [
            "kapso-gitsync-pack-\(deadPID)-42.config", "kapso-gitsync-pack-\(getpid())-43.config", "kapso-gitsync-pack-x-44.config",
        ]
        for name in settings { try Data("[pack]\n".utf8).write(to: URL(fileURLWithPath: repository + "/" + name)) }

        let removed = await store.removeAbandonedFiles()

        #expect(Set(removed) == Set(left.map { "objects/pack/" + $0 } + [settings[0]]))
        for name in left { #expect(!FileManager.default.fileExists(atPath: pack + name), "\(name)") }
        for name in kept { #expect(FileManager.default.fileExists(atPath: pack + name), "\(name) is not ours to remove") }
        #expect(FileManager.default.fileExists(atPath: repository + "/" + settings[1]), "its process is alive")
        #expect(FileManager.default.fileExists(atPath: repository + "/" + settings[2]), "not a name of ours")
        #expect(await store.removeAbandonedFiles().isEmpty)
    }
}
