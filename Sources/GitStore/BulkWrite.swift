internal import CLibgit2
import Foundation

/// A second handle on the repository with libgit2's in-memory object backend in front, so that
/// objects written through it stay in memory until they are packed into one packfile.
final class BulkWrite {
    let repository: Repository
    private let mempack: UnsafeMutablePointer<git_odb_backend>

    /// This handle's own configuration file (see `withoutDeltaSearch`), removed with the handle.
    private let configurationFile: String

    init(gitDirectory: String) throws(GitError) {
        repository = try Repository(openingBareAt: gitDirectory)
        configurationFile = NSTemporaryDirectory() + "/kapso-gitsync-pack-\(UUID().uuidString).config"
        try Self.withoutDeltaSearch(repository, file: configurationFile)
        var backend: UnsafeMutablePointer<git_odb_backend>?
        try check("git_mempack_new", git_mempack_new(&backend))
        let added = git_odb_add_backend(repository.odb, backend, 999)
        if added < 0 {
            let error = GitError.last(function: "git_odb_add_backend", result: added)
            backend?.pointee.free(backend)
            throw error
        }
        // The object database owns the backend from here on and frees it with the repository.
        mempack = backend!
    }

    deinit {
        try? FileManager.default.removeItem(atPath: configurationFile)
    }

    /// libgit2's pack builder looks for a delta base for every new object among ten others of its size:
    /// for a first import of thousands of unrelated workflows that search was over half the import's CPU,
    /// for a pack not much smaller. This handle gets a configuration of its own in which no object is
    /// searched: libgit2 skips objects above its big-file threshold, which it reads from
    /// `pack.deltaCacheSize` (1.5 to 1.9; `pack.bigFileThreshold` is set too, for a libgit2 that reads the
    /// documented key). The repository's configuration is not touched, and `git gc` may repack later.
    private static func withoutDeltaSearch(_ repository: Repository, file: String) throws(GitError) {
        let text = "[pack]\n\tdeltaCacheSize = 1\n\tbigFileThreshold = 1\n"
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
            throw GitError(function: "BulkWrite", code: .other(-1), message: "cannot write \(file)")
        }
        var configuration: OpaquePointer?
        try check("git_config_new", git_config_new(&configuration))
        defer { git_config_free(configuration) }
        try check(
            "git_config_add_file_ondisk", git_config_add_file_ondisk(configuration, file, GIT_CONFIG_LEVEL_APP, repository.pointer, 0))
        try check("git_repository_set_config", git_repository_set_config(repository.pointer, configuration))
    }

    /// Packs every commit written in memory (with its whole tree) and indexes the pack into `target`.
    func writePack(into target: Repository) throws(GitError) {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check("git_mempack_dump", git_mempack_dump(&buffer, repository.pointer, mempack))
        var writepack: UnsafeMutablePointer<git_odb_writepack>?
        try check("git_odb_write_pack", git_odb_write_pack(&writepack, target.odb, nil, nil))
        guard let writepack else { return }
        defer { writepack.pointee.free(writepack) }
        var progress = git_indexer_progress()
        try check("git_odb_writepack.append", writepack.pointee.append(writepack, buffer.ptr, buffer.size, &progress))
        try check("git_odb_writepack.commit", writepack.pointee.commit(writepack, &progress))
        try check("git_odb_refresh", git_odb_refresh(target.odb))
        _ = git_mempack_reset(mempack)
    }
}
