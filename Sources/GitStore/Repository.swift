internal import CLibgit2

/// libgit2 is reference-counted and initialised once per process; a global `let` runs exactly once.
let libgit2Initialised: Int32 = git_libgit2_init()

/// Owns one `git_repository` pointer. Not Sendable: only `GitStore` (an actor) holds one.
final class Repository {
    let pointer: OpaquePointer
    /// Kept for the life of the repository: existence checks before each blob write are hot.
    let odb: OpaquePointer
    /// The repository's loose objects, read by this service (and, through `LooseObjectGuard`, by libgit2).
    let looseObjects: LooseObjects

    init(openingBareAt path: String) throws(GitError) {
        _ = libgit2Initialised
        var repository: OpaquePointer?
        try check("git_repository_open_bare", git_repository_open_bare(&repository, path))
        (pointer, odb, looseObjects) = try Self.guarded(repository!)
    }

    init(creatingBareAt path: String, initialBranch: String) throws(GitError) {
        _ = libgit2Initialised
        var options = git_repository_init_options()
        try check(
            "git_repository_init_options_init",
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)))
        options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
        var repository: OpaquePointer?
        let result = initialBranch.withCString { head in
            options.initial_head = head
            return git_repository_init_ext(&repository, path, &options)
        }
        try check("git_repository_init_ext", result)
        (pointer, odb, looseObjects) = try Self.guarded(repository!)
    }

    /// Moves `name` to `target` from `expected` (nil: creates it, only if it does not exist), inside
    /// libgit2's own reference lock: a compare-and-swap. Returns libgit2's code; the caller runs it
    /// under `StaleRefLock`, which recovers a lock a dead process of ours left.
    func compareAndSwapReference(_ name: String, to target: ObjectID, expected: ObjectID?, logMessage: String) -> Int32 {
        var targetOID = target.raw
        var reference: OpaquePointer?
        defer { git_reference_free(reference) }
        if var expectedOID = expected?.raw {
            return git_reference_create_matching(&reference, pointer, name, &targetOID, 1, &expectedOID, logMessage)
        }
        return git_reference_create(&reference, pointer, name, &targetOID, 0, logMessage)
    }

    /// The `.git` folder (the repository itself when bare).
    var gitDirectory: String {
        String(cString: git_repository_path(pointer))
    }

    deinit {
        // The guard, which holds `looseObjects`, goes with the object database.
        git_odb_free(odb)
        git_repository_free(pointer)
    }

    /// The repository's object database, with `LooseObjectGuard` ahead of libgit2's loose backend; the
    /// repository is freed when that fails.
    private static func guarded(_ repository: OpaquePointer) throws(GitError) -> (OpaquePointer, OpaquePointer, LooseObjects) {
        var odb: OpaquePointer?
        let result = git_repository_odb(&odb, repository)
        if result < 0 {
            let error = GitError.last(function: "git_repository_odb", result: result)
            git_repository_free(repository)
            throw error
        }
        do {
            let looseObjects = try LooseObjects(repository: repository)
            try LooseObjectGuard.install(in: odb!, reading: looseObjects)
            return (repository, odb!, looseObjects)
        } catch {
            git_odb_free(odb)
            git_repository_free(repository)
            throw error
        }
    }
}
