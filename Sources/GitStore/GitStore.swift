internal import CLibgit2
import Foundation

/// The one owner of a bare git repository: objects, trees, commits and references (with
/// compare-and-swap). Everything runs on the actor's own serial queue.
public actor GitStore {
    private let executor: QueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let mainRepository: Repository
    /// During a bulk write, a second handle whose object database writes to memory first.
    private var bulk: BulkWrite?
    var repository: Repository { bulk?.repository ?? mainRepository }
    private var odb: OpaquePointer { repository.odb }
    public nonisolated let path: String

    /// Objects this store wrote that were not in the repository before: a measure of write cost.
    public private(set) var objectsWritten = 0
    /// CPU time spent in `writeBlobs` (hashing, deflating, writing packs out), for a cycle's phase timings.
    public private(set) var blobWritingNanoseconds = 0
    /// Tests: runs once inside the next push, in the window in which someone else's push must not be
    /// lost: between its objects reaching a server by path and the references moving there, or, over
    /// the network, between reading the server's references and sending the updates.
    var pushInterleaving: (@Sendable () -> Void)?

    public func setPushInterleaving(_ interleaving: (@Sendable () -> Void)?) { pushInterleaving = interleaving }

    /// Opens the bare repository at `path`, creating it (with `initialBranch` as HEAD) when missing.
    public init(path: String, createIfMissing: Bool = true, initialBranch: String = "main") throws(GitError) {
        self.path = path
        executor = QueueExecutor(label: "kapso-gitsync.git")
        let exists =
            FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("HEAD"))
            || FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(".git/HEAD"))
        if exists || !createIfMissing {
            mainRepository = try Self.open(path)
        } else {
            mainRepository = try Repository(creatingBareAt: path, initialBranch: initialBranch)
        }
    }

    static func open(_ path: String) throws(GitError) -> Repository {
        do {
            return try Repository(openingBareAt: path)
        } catch {
            // A non-bare clone made by a person also works: its objects and refs are in .git.
            return try Repository(openingBareAt: (path as NSString).appendingPathComponent(".git"))
        }
    }

    // MARK: References

    /// The commit a reference points at (peeling tags), or nil when the reference does not exist.
    public func resolve(reference name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, repository.pointer, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_reference_name_to_id", result)
        return ObjectID(oid)
    }

    /// Moves `name` to `target` only if it still points at `expected` (nil: only if it does not exist).
    /// A lost race throws `GitError` with code `.refModified` (or `.exists`), never overwrites.
    /// During a bulk write, the objects it holds are written out first: a reference only ever names
    /// objects on disk, whatever becomes of the bulk write after.
    public func updateReference(
        _ name: String, to target: ObjectID, expected: ObjectID?, logMessage: String
    ) throws(GitError) {
        try bulk?.writePack(into: mainRepository)
        let repository = repository
        let lock = StaleRefLock(gitDirectory: repository.gitDirectory, reference: name, target: target)
        let result = lock.run { repository.compareAndSwapReference(name, to: target, expected: expected, logMessage: logMessage) }
        if result == GIT_EEXISTS.rawValue {
            throw GitError(function: "git_reference_create", code: .refModified, message: "\(name) already exists")
        }
        if result == GIT_ELOCKED.rawValue { throw lock.lockedError }
        try check(expected == nil ? "git_reference_create" : "git_reference_create_matching", result)
    }

    public func deleteReference(_ name: String) throws(GitError) {
        var reference: OpaquePointer?
        let lookup = git_reference_lookup(&reference, repository.pointer, name)
        if lookup == GIT_ENOTFOUND.rawValue { return }
        try check("git_reference_lookup", lookup)
        defer { git_reference_free(reference) }
        try check("git_reference_delete", git_reference_delete(reference))
    }

    /// Names of the references under a prefix such as `refs/heads/`.
    public func references(withPrefix prefix: String) throws(GitError) -> [String] {
        var names = git_strarray()
        try check("git_reference_list", git_reference_list(&names, repository.pointer))
        defer { git_strarray_dispose(&names) }
        var result: [String] = []
        for index in 0..<names.count {
            if let name = names.strings[index].map({ String(cString: $0) }), name.hasPrefix(prefix) {
                result.append(name)
            }
        }
        return result.sorted()
    }

    /// Every reference with what it points at, by name: a commit's id, or `ref: <name>` for a symbolic
    /// reference. What a cycle reads of the references, in one value to compare with an earlier one.
    public func referenceTargets() throws(GitError) -> [(name: String, target: String)] {
        var names = git_strarray()
        try check("git_reference_list", git_reference_list(&names, repository.pointer))
        defer { git_strarray_dispose(&names) }
        var result: [(name: String, target: String)] = []
        for index in 0..<names.count {
            guard let name = names.strings[index].map({ String(cString: $0) }) else { continue }
            var reference: OpaquePointer?
            let lookup = git_reference_lookup(&reference, repository.pointer, name)
            if lookup == GIT_ENOTFOUND.rawValue { continue }
            try check("git_reference_lookup", lookup)
            defer { git_reference_free(reference) }
            if let oid = git_reference_target(reference) {
                result.append((name, ObjectID(oid.pointee).hex))
            } else if let symbolic = git_reference_symbolic_target(reference) {
                result.append((name, "ref: " + String(cString: symbolic)))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    // MARK: Objects

    /// The id `bytes` have as a blob, without writing anything.
    public func blobID(of bytes: [UInt8]) throws(GitError) -> ObjectID {
        bytes.withUnsafeBytes { LooseObjects.blobID(of: $0) }
    }

    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        if let bulk {
            let (id, written) = try bulk.writeBlob(bytes)
            if written { objectsWritten += 1 }
            return id
        }
        var oid = bytes.withUnsafeBytes { LooseObjects.blobOID(of: $0) }
        if git_odb_exists(odb, &oid) == 1 { return ObjectID(oid) }
        try repository.looseObjects.writeBlob(oid, bytes: bytes)
        objectsWritten += 1
        return ObjectID(oid)
    }

    /// The blobs of several files in one call, so a workflow's files cost one hop onto the store's
    /// queue, not one each (at 10,000 workflows the hops were 2% of a first import's CPU time).
    public func writeBlobs(_ contents: [[UInt8]]) throws(GitError) -> [ObjectID] {
        let start = ThreadCPUTime.nanoseconds()
        defer { blobWritingNanoseconds += ThreadCPUTime.nanoseconds() - start }
        var ids: [ObjectID] = []
        ids.reserveCapacity(contents.count)
        for bytes in contents { ids.append(try writeBlob(bytes)) }
        return ids
    }

    /// What `writeBlobs` would answer, writing nothing.
    public func blobIDs(of contents: [[UInt8]]) throws(GitError) -> [ObjectID] {
        var ids: [ObjectID] = []
        ids.reserveCapacity(contents.count)
        for bytes in contents { ids.append(try blobID(of: bytes)) }
        return ids
    }

    /// Several blobs in one hop onto the store's queue (see `writeBlobs`).
    public func readBlobs(_ ids: [ObjectID]) throws(GitError) -> [[UInt8]] {
        var contents: [[UInt8]] = []
        contents.reserveCapacity(ids.count)
        for id in ids { contents.append(try readBlob(id)) }
        return contents
    }

    public func readBlob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        if let content = try repository.looseObjects.readBlob(id) { return content }
        var oid = id.raw
        var blob: OpaquePointer?
        try check("git_blob_lookup", git_blob_lookup(&blob, repository.pointer, &oid))
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: content, count: size))
    }

    /// The tree of a commit.
    public func tree(ofCommit commitID: ObjectID) throws(GitError) -> ObjectID {
        var oid = commitID.raw
        var commit: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&commit, repository.pointer, &oid))
        defer { git_commit_free(commit) }
        return ObjectID(git_commit_tree_id(commit).pointee)
    }

    /// The blob at `path` in a tree, or nil when there is none (or the path is a folder).
    public func blobID(atPath path: String, inTree treeID: ObjectID) throws(GitError) -> ObjectID? {
        try withTree(treeID) { tree throws(GitError) -> ObjectID? in
            var entry: OpaquePointer?
            let result = git_tree_entry_bypath(&entry, tree, path)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check("git_tree_entry_bypath", result)
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            return ObjectID(git_tree_entry_id(entry).pointee)
        }
    }

    /// The bytes of the file at `path` in a tree, or nil when there is none.
    public func readFile(atPath path: String, inTree treeID: ObjectID) throws(GitError) -> [UInt8]? {
        guard let blob = try blobID(atPath: path, inTree: treeID) else { return nil }
        return try readBlob(blob)
    }

    /// Every file below `prefix` (a folder path, "" for all) in a tree: full path → blob id.
    public func files(inTree treeID: ObjectID, under prefix: String = "") throws(GitError) -> [String: ObjectID] {
        guard let folder = try folderTreeID(prefix, inTree: treeID) else { return [:] }
        return try withTree(folder) { tree throws(GitError) in try files(below: tree, prefix: prefix.isEmpty ? "" : prefix + "/") }
    }

    /// Every file in the folders `names` of the folder `parent` (a path, "" for the root) of a tree: full
    /// path → blob id. The parent's tree is read once: a hundred folders of a `workflows/` of 10,000
    /// cost a hundred lookups, where each `files(inTree:under:)` reads that whole tree again.
    public func files(inTree treeID: ObjectID, under parent: String, inFolders names: [String]) throws(GitError) -> [String: ObjectID] {
        guard let parentTree = try folderTreeID(parent, inTree: treeID) else { return [:] }
        return try withTree(parentTree) { tree throws(GitError) -> [String: ObjectID] in
            var files: [String: ObjectID] = [:]
            for name in names {
                guard let entry = git_tree_entry_byname(tree, name), git_tree_entry_type(entry) == GIT_OBJECT_TREE else { continue }
                let folder = ObjectID(git_tree_entry_id(entry).pointee)
                let prefix = (parent.isEmpty ? "" : parent + "/") + name + "/"
                let found = try withTree(folder) { subtree throws(GitError) in try self.files(below: subtree, prefix: prefix) }
                files.merge(found) { first, _ in first }
            }
            return files
        }
    }

    /// Every file below a loaded tree, its path after `prefix`: path → blob id.
    private func files(below tree: OpaquePointer, prefix: String) throws(GitError) -> [String: ObjectID] {
        let collector = FileCollector(prefix: prefix)
        let result = withExtendedLifetime(collector) {
            git_tree_walk(tree, GIT_TREEWALK_PRE, fileCollectorCallback, Unmanaged.passUnretained(collector).toOpaque())
        }
        try check("git_tree_walk", result)
        return collector.files
    }

    /// A new tree: `base` (or an empty tree) with `changes` applied. Unchanged subtrees are reused as they are.
    public func updateTree(base: ObjectID?, changes: [TreeChange]) throws(GitError) -> ObjectID {
        for change in changes where !Self.isSafeTreePath(change.path) {
            throw GitError(function: "updateTree", code: .invalidPath, message: "unsafe path \(change.path)")
        }
        var baseTree: OpaquePointer?
        if var baseOID = base?.raw {
            try check("git_tree_lookup", git_tree_lookup(&baseTree, repository.pointer, &baseOID))
        }
        defer { if let baseTree { git_tree_free(baseTree) } }
        let paths = changes.map { strdup($0.path)! }
        defer { paths.forEach { free($0) } }
        var updates = zip(changes, paths).map { change, path in
            var update = git_tree_update()
            switch change {
            case .upsert(_, let blob):
                update.action = GIT_TREE_UPDATE_UPSERT
                update.id = blob.raw
                update.filemode = GIT_FILEMODE_BLOB
            case .remove:
                update.action = GIT_TREE_UPDATE_REMOVE
            }
            update.path = UnsafePointer(path)
            return update
        }
        var oid = git_oid()
        try check("git_tree_create_updated", git_tree_create_updated(&oid, repository.pointer, baseTree, updates.count, &updates))
        let newTree = ObjectID(oid)
        objectsWritten += try changedFolders(from: base, to: newTree, touching: changes.map(\.path))
        return newTree
    }

    public func commit(
        tree treeID: ObjectID, parents: [ObjectID], message: String, author: Signature, committer: Signature? = nil
    ) throws(GitError) -> ObjectID {
        var treeOID = treeID.raw
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, repository.pointer, &treeOID))
        defer { git_tree_free(tree) }
        var parentCommits: [OpaquePointer?] = []
        defer { parentCommits.forEach { git_commit_free($0) } }
        for parent in parents {
            var parentOID = parent.raw
            var commit: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&commit, repository.pointer, &parentOID))
            parentCommits.append(commit)
        }
        let authorSignature = try makeSignature(author)
        defer { git_signature_free(authorSignature) }
        let committerSignature = try makeSignature(committer ?? author)
        defer { git_signature_free(committerSignature) }
        var oid = git_oid()
        var parentPointers = parentCommits
        let repositoryPointer = repository.pointer
        let result = parentPointers.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(
                &oid, repositoryPointer, nil, authorSignature, committerSignature, "UTF-8", message, tree,
                buffer.count, buffer.baseAddress)
        }
        try check("git_commit_create", result)
        objectsWritten += 1
        return ObjectID(oid)
    }

    /// The message of a commit and its parents, for readers of history (tests, status).
    public func commitInfo(_ id: ObjectID) throws(GitError) -> (message: String, parents: [ObjectID]) {
        var oid = id.raw
        var commit: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&commit, repository.pointer, &oid))
        defer { git_commit_free(commit) }
        let message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        var parents: [ObjectID] = []
        for index in 0..<git_commit_parentcount(commit) {
            parents.append(ObjectID(git_commit_parent_id(commit, index).pointee))
        }
        return (message, parents)
    }

    // MARK: Bulk writes

    /// Until `finishBulkWrite`, new objects are deflated as they come and written as packfiles (one
    /// per window of `StreamingPack.windowLimit` deflated bytes, one before each reference update, and
    /// one at the end): a first import of thousands of files, or a commit, costs a few files on disk
    /// instead of one per object, and memory bounded by the window.
    /// `windowBytes`: deflated bytes held before a pack is written (tests make it small).
    public func beginBulkWrite(windowBytes: Int? = nil) throws(GitError) {
        guard bulk == nil else { return }
        bulk = try BulkWrite(gitDirectory: mainRepository.gitDirectory, windowLimit: windowBytes ?? StreamingPack.windowLimit)
    }

    /// Writes the objects of the bulk write as a packfile; call it before moving a reference to them.
    /// Returns how many packs the bulk write wrote in all.
    @discardableResult
    public func finishBulkWrite() throws(GitError) -> Int {
        guard let current = bulk else { return 0 }
        defer { bulk = nil }
        try current.writePack(into: mainRepository)
        return current.packsWritten
    }

    /// Drops what the bulk write holds in memory (after a failure). Packs it wrote already stay on disk,
    /// referenced by nothing, until `git gc` prunes them.
    public func discardBulkWrite() {
        bulk?.discard()
        bulk = nil
    }

    // MARK: Packing

    /// How many loose objects the repository holds, their bytes on disk, and how many small packs.
    public func looseObjectCount() throws(GitError) -> LooseObjectCount {
        LoosePacker(repository: mainRepository).count()
    }

    /// Moves loose objects and the objects of the small packs (up to `maximumBytes` of their files) into
    /// a new pack and removes the files it holds; see `LoosePacker`.
    public func packLooseObjects(maximumBytes: Int) throws(GitError) -> PackingOutcome {
        try LoosePacker(repository: mainRepository).pack(maximumBytes: maximumBytes)
    }

    // MARK: Helpers

    private func makeSignature(_ signature: Signature) throws(GitError) -> UnsafeMutablePointer<git_signature>? {
        var pointer: UnsafeMutablePointer<git_signature>?
        if let time = signature.time {
            try check(
                "git_signature_new",
                git_signature_new(&pointer, signature.name, signature.email, git_time_t(time.seconds), Int32(time.offsetMinutes)))
        } else {
            try check("git_signature_now", git_signature_now(&pointer, signature.name, signature.email))
        }
        return pointer
    }

    private func withTree<T>(_ treeID: ObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var oid = treeID.raw
        var tree: OpaquePointer?
        try check("git_tree_lookup", git_tree_lookup(&tree, repository.pointer, &oid))
        defer { git_tree_free(tree) }
        return try body(tree!)
    }

    /// How many tree objects an update created: each folder on a changed path whose tree id moved.
    /// Each tree on the way is read once: looking every folder up from the root read the `workflows/`
    /// tree (one entry per workflow) again for each workflow, which made a first import quadratic.
    private func changedFolders(from base: ObjectID?, to new: ObjectID, touching paths: [String]) throws(GitError) -> Int {
        var folders = FolderNames()
        for path in paths { folders.insert(path.split(separator: "/").dropLast()) }
        return try changedTrees(folders, new: new, old: base)
    }

    /// The folders under one folder, by name, down to the deepest one a change touched.
    private struct FolderNames {
        var children: [Substring: FolderNames] = [:]

        mutating func insert(_ components: ArraySlice<Substring>) {
            guard let first = components.first else { return }
            children[first, default: FolderNames()].insert(components.dropFirst())
        }
    }

    private func changedTrees(_ folders: FolderNames, new: ObjectID, old: ObjectID?) throws(GitError) -> Int {
        guard new != old else { return 0 }
        guard !folders.children.isEmpty else { return 1 }
        let names = Array(folders.children.keys)
        let newChildren = try subtrees(of: new, named: names)
        let oldChildren = try old.map { old throws(GitError) in try subtrees(of: old, named: names) } ?? [:]
        var count = 1
        for (name, below) in folders.children {
            guard let child = newChildren[name] else { continue }
            count += try changedTrees(below, new: child, old: oldChildren[name])
        }
        return count
    }

    private func subtrees(of treeID: ObjectID, named names: [Substring]) throws(GitError) -> [Substring: ObjectID] {
        try withTree(treeID) { tree in
            var found: [Substring: ObjectID] = [:]
            for name in names {
                guard let entry = git_tree_entry_byname(tree, String(name)), git_tree_entry_type(entry) == GIT_OBJECT_TREE else { continue }
                found[name] = ObjectID(git_tree_entry_id(entry).pointee)
            }
            return found
        }
    }

    /// The tree at `path` (a folder) in a tree, or nil when there is none.
    public func treeID(atPath path: String, inTree treeID: ObjectID) throws(GitError) -> ObjectID? {
        try folderTreeID(path, inTree: treeID)
    }

    private func folderTreeID(_ folder: String, inTree treeID: ObjectID) throws(GitError) -> ObjectID? {
        if folder.isEmpty { return treeID }
        return try withTree(treeID) { tree throws(GitError) -> ObjectID? in
            var entry: OpaquePointer?
            let result = git_tree_entry_bypath(&entry, tree, folder)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check("git_tree_entry_bypath", result)
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
            return ObjectID(git_tree_entry_id(entry).pointee)
        }
    }

    static func isSafeTreePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasSuffix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && component != "." && component != ".." && component != ".git"
                && !component.contains("\0") && !component.contains("\\")
        }
    }
}

private final class FileCollector {
    let prefix: String
    var files: [String: ObjectID] = [:]
    init(prefix: String) { self.prefix = prefix }
}

private let fileCollectorCallback: git_treewalk_cb = { root, entry, payload in
    guard let root, let entry, let payload else { return 0 }
    let collector = Unmanaged<FileCollector>.fromOpaque(payload).takeUnretainedValue()
    guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let name = git_tree_entry_name(entry) else { return 0 }
    collector.files[collector.prefix + String(cString: root) + String(cString: name)] = ObjectID(git_tree_entry_id(entry).pointee)
    return 0
}
