internal import CLibgit2

/// A second handle on the repository with libgit2's in-memory object backend in front, so that
/// objects written through it stay in memory until they are packed into one packfile.
final class BulkWrite {
    let repository: Repository
    private let mempack: UnsafeMutablePointer<git_odb_backend>

    init(gitDirectory: String) throws(GitError) {
        repository = try Repository(openingBareAt: gitDirectory)
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
