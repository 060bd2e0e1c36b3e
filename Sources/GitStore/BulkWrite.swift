internal import CLibgit2
import Foundation

/// A second handle on the repository whose object database writes into a `StreamingPack` first:
/// objects written through it are deflated as they come and reach the disk as packfiles, one per
/// window of objects and one at the end, instead of one file per object.
final class BulkWrite {
    let repository: Repository
    private let pack: StreamingPack

    init(gitDirectory: String, windowLimit: Int) throws(GitError) {
        repository = try Repository(openingBareAt: gitDirectory)
        pack = StreamingPack(gitDirectory: gitDirectory, windowLimit: windowLimit)
        try pack.install(in: repository)
    }

    /// A blob, hashed once (libgit2 would hash it twice, with its slower collision-detecting SHA-1)
    /// and held for the pack unless the repository has it already.
    func writeBlob(_ bytes: [UInt8]) throws(GitError) -> (id: ObjectID, written: Bool) {
        let id = bytes.withUnsafeBytes { StreamingPack.objectID(of: $0, type: .blob) }
        var oid = id.oid
        if pack.contains(id) || git_odb_exists_ext(repository.odb, &oid, UInt32(GIT_ODB_LOOKUP_NO_REFRESH.rawValue)) == 1 {
            return (ObjectID(oid), false)
        }
        var failure: GitError?
        bytes.withUnsafeBytes { buffer in
            do throws(GitError) {
                try pack.add(id, type: .blob, bytes: buffer)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return (ObjectID(oid), true)
    }

    /// Writes what is held as a pack and makes `target` (the main handle) see every pack written.
    func writePack(into target: Repository) throws(GitError) {
        try pack.writePack()
        // A cycle that wrote nothing (an idle one) leaves the main handle's list of packs as it is.
        guard pack.packsWritten > 0 else { return }
        try check("git_odb_refresh", git_odb_refresh(target.odb))
    }

    var packsWritten: Int { pack.packsWritten }

    /// Drops what is held; packs written before stay on disk, unreferenced, until `git gc`.
    func discard() {
        pack.discard()
    }
}
