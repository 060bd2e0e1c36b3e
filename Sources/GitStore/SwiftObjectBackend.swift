internal import CLibgit2

/// An object-database backend served by Swift code (`kapso_odb_backend`): libgit2 calls its C function
/// pointers with the backend, whose `owner` leads back to the Swift object that serves it.
enum SwiftObjectBackend {
    /// Allocates a backend, lets `configure` set its callbacks (its `free` must call `deallocate(_:)`)
    /// and adds it to `odb` at `priority`. On failure nothing stays allocated, and `owner` is the
    /// caller's to release.
    static func add(
        to odb: OpaquePointer, priority: Int32, owner: UnsafeMutableRawPointer, configure: (inout git_odb_backend) -> Void
    ) throws(GitError) {
        let backend = UnsafeMutablePointer<kapso_odb_backend>.allocate(capacity: 1)
        backend.initialize(to: kapso_odb_backend())
        let initialised = git_odb_init_backend(&backend.pointee.parent, UInt32(GIT_ODB_BACKEND_VERSION))
        guard initialised == 0 else {
            backend.deallocate()
            throw GitError.last(function: "git_odb_init_backend", result: initialised)
        }
        backend.pointee.owner = owner
        configure(&backend.pointee.parent)
        let added = git_odb_add_backend(odb, &backend.pointee.parent, priority)
        guard added == 0 else {
            backend.deallocate()
            throw GitError.last(function: "git_odb_add_backend", result: added)
        }
    }

    /// Sets libgit2's error message and returns its error code: what a backend's callback answers when
    /// it fails.
    static func fail(_ message: String) -> Int32 {
        git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), message)
        return GIT_ERROR.rawValue
    }

    /// The owner of a backend `add` made.
    static func owner(of backend: UnsafeMutablePointer<git_odb_backend>?) -> UnsafeMutableRawPointer? {
        guard let backend else { return nil }
        return UnsafeMutableRawPointer(backend).assumingMemoryBound(to: kapso_odb_backend.self).pointee.owner
    }

    /// Frees a backend `add` made (libgit2 frees backends with their object database); returns its owner.
    @discardableResult
    static func deallocate(_ backend: UnsafeMutablePointer<git_odb_backend>?) -> UnsafeMutableRawPointer? {
        guard let backend else { return nil }
        let wrapper = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: kapso_odb_backend.self)
        let owner = wrapper.pointee.owner
        wrapper.deallocate()
        return owner
    }
}
