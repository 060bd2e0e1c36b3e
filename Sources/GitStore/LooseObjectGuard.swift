internal import CLibgit2

/// Reads the repository's loose objects for libgit2's object database, ahead of libgit2's own loose
/// backend, so that a loose file cut short is an error naming it instead of a read that never returns.
///
/// libgit2 1.5 spins forever in `git_zstream_get_output` on a loose object whose deflated stream ends
/// early (zlib's `Z_BUF_ERROR` with no output), which is what a power cut after git's rename and before
/// the data reached the disk leaves: a cycle reading such a tree or commit would never end, and after
/// systemd's restart meet it again. Here the stream must end, inflated to exactly the size its header
/// gives. The id is checked afterwards by libgit2's object database, as for every backend.
///
/// Its priority is the packs' (2), above libgit2's loose backend's (1). libgit2 sorts its backends by
/// priority keeping the order they were added in (a stable sort), and the packs are added when the
/// repository is opened: they are asked first, so a packed object costs nothing more. Were they not,
/// the guard would answer "not found" for a packed object after one failed `open`. It only reads;
/// writes still go to libgit2's loose backend.
enum LooseObjectGuard {
    static let priority: Int32 = 2

    /// Adds the guard to `odb`; it keeps `looseObjects` alive until libgit2 frees it with the database.
    static func install(in odb: OpaquePointer, reading looseObjects: LooseObjects) throws(GitError) {
        let owner = Unmanaged.passRetained(looseObjects).toOpaque()
        do {
            try SwiftObjectBackend.add(to: odb, priority: priority, owner: owner) { backend in
                backend.read = looseGuardRead
                backend.read_header = looseGuardReadHeader
                backend.free = looseGuardFree
            }
        } catch {
            Unmanaged<LooseObjects>.fromOpaque(owner).release()
            throw error
        }
    }

    fileprivate static func owner(of backend: UnsafeMutablePointer<git_odb_backend>?) -> LooseObjects? {
        SwiftObjectBackend.owner(of: backend).map { Unmanaged<LooseObjects>.fromOpaque($0).takeUnretainedValue() }
    }
}

// C function pointers: libgit2 calls them on the thread of the GitStore call that reads.

private func looseGuardRead(
    _ buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ length: UnsafeMutablePointer<Int>?,
    _ type: UnsafeMutablePointer<git_object_t>?, _ backend: UnsafeMutablePointer<git_odb_backend>?, _ oid: UnsafePointer<git_oid>?
) -> Int32 {
    guard let loose = LooseObjectGuard.owner(of: backend), let oid else { return GIT_ENOTFOUND.rawValue }
    do {
        guard let (objectType, content) = try loose.readObject(RawObjectID(oid.pointee)) else { return GIT_ENOTFOUND.rawValue }
        // libgit2 takes a buffer of its own allocator, and frees it with the object.
        guard let data = git_odb_backend_data_alloc(backend, max(content.count, 1)) else { return GIT_ERROR.rawValue }
        content.withUnsafeBytes { source in
            if let base = source.baseAddress { data.copyMemory(from: base, byteCount: source.count) }
        }
        buffer?.pointee = data
        length?.pointee = content.count
        type?.pointee = objectType.gitType
        return 0
    } catch {
        return SwiftObjectBackend.fail(error.message)
    }
}

private func looseGuardReadHeader(
    _ length: UnsafeMutablePointer<Int>?, _ type: UnsafeMutablePointer<git_object_t>?, _ backend: UnsafeMutablePointer<git_odb_backend>?,
    _ oid: UnsafePointer<git_oid>?
) -> Int32 {
    guard let loose = LooseObjectGuard.owner(of: backend), let oid else { return GIT_ENOTFOUND.rawValue }
    do {
        guard let header = try loose.readHeader(RawObjectID(oid.pointee)) else { return GIT_ENOTFOUND.rawValue }
        length?.pointee = header.size
        type?.pointee = header.type.gitType
        return 0
    } catch {
        return SwiftObjectBackend.fail(error.message)
    }
}

private func looseGuardFree(_ backend: UnsafeMutablePointer<git_odb_backend>?) {
    if let owner = SwiftObjectBackend.deallocate(backend) { Unmanaged<LooseObjects>.fromOpaque(owner).release() }
}
