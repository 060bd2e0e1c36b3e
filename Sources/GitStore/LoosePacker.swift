internal import CLibgit2
import Foundation

/// The loose objects of a repository, counted from their folders, and its small packs (`SmallPack`).
public struct LooseObjectCount: Sendable, Equatable {
    public let objects: Int
    /// The disk space their files take (blocks, as `git count-objects` and `du` count it).
    public let bytes: Int
    public let smallPacks: Int

    public init(objects: Int, bytes: Int, smallPacks: Int = 0) {
        self.objects = objects
        self.bytes = bytes
        self.smallPacks = smallPacks
    }
}

/// What packing the loose objects did.
public struct PackingOutcome: Sendable, Equatable {
    /// Objects the new pack holds (0: nothing to pack, no pack written).
    public var packed = 0
    /// Disk space of the loose files removed because the new pack holds them.
    public var looseBytesRemoved = 0
    /// Bytes of the new pack and its index.
    public var packBytes = 0
    /// Loose files left as they are because they do not read whole, each with why (naming the file).
    public var damaged: [String] = []
    /// Loose objects left for a later run, past `maximumBytes`.
    public var leftLoose = 0
    /// Small packs whose objects the new pack holds, removed, and the size of their pack files.
    public var packsMerged = 0
    public var packBytesRemoved = 0

    public init() {}
}

/// Moves loose objects and the objects of small packs (`SmallPack`) into one pack, as `git repack -d`
/// (without `-a`, merging only the small packs) and `git prune-packed` do: each commit of the service
/// writes a pack of its own, people's pushes leave loose objects, and at 10,000 workflows each
/// commit's remote-map alone is 1.2 MB deflated; in one pack successive maps are deltas of each other
/// (25 commits of 100 changes: 56 MB became a pack of 2.1 MB).
///
/// libgit2's pack builder computes the deltas and writes the pack and its index. Each loose object is
/// first read in full here: libgit2 1.5 spins forever on one cut short, and such a file (a power cut
/// after its rename) must be reported, not packed. A loose file or a small pack is removed only once
/// the new pack and its index are synced to disk and the index lists every id it holds, so a crash at
/// any point leaves each object where it was, in the new pack, or both, never nowhere.
struct LoosePacker {
    let repository: Repository
    let objectsDirectory: String

    init(repository: Repository) {
        self.repository = repository
        objectsDirectory = repository.looseObjects.directory
    }

    var packDirectory: String { objectsDirectory + "pack" }

    struct LooseFile {
        let id: RawObjectID
        let path: String
        /// The disk space it takes.
        let bytes: Int
    }

    /// Every loose object file: `objects/xx/` followed by 38 hex digits, as git names them.
    func looseFiles() -> [LooseFile] {
        var files: [LooseFile] = []
        for fanOut in 0..<256 {
            let prefix = String(fanOut, radix: 16).leftPadded(to: 2)
            let folder = objectsDirectory + prefix
            guard let directory = opendir(folder) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name.utf8.count == 38, let id = ObjectID(hex: prefix + name) else { continue }
                var status = stat()
                let path = folder + "/" + name
                guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
                files.append(LooseFile(id: RawObjectID(id.raw), path: path, bytes: Int(status.st_blocks) * 512))
            }
        }
        return files
    }

    /// The ids the repository's packs hold: those their indexes list, for each pack whose last 20 bytes
    /// are the checksum its index names (a pack cut short, or an index without its pack, holds none).
    func packedIDs() -> Set<RawObjectID> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: packDirectory)) ?? []
        var ids = Set<RawObjectID>()
        for name in names where name.hasPrefix("pack-") && name.hasSuffix(".idx") {
            ids.formUnion(Self.idsInPack(packDirectory + "/" + name.dropLast(4)) ?? [])
        }
        return ids
    }

    /// The ids of pack `base` (a path without `.pack` or `.idx`), or nil when its index does not read or
    /// the pack does not end with the checksum the index names.
    static func idsInPack(_ base: String) -> [RawObjectID]? {
        guard let index = FileManager.default.contents(atPath: base + ".idx").map(Array.init), index.count >= 40,
            let listed = PackFormat.indexedIDs(index),
            let pack = FileHandle(forReadingAtPath: base + ".pack")
        else { return nil }
        defer { try? pack.close() }
        guard let size = try? pack.seekToEnd(), size >= 32, (try? pack.seek(toOffset: size - 20)) != nil,
            let trailer = try? pack.read(upToCount: 20), Array(trailer) == Array(index[(index.count - 40)..<(index.count - 20)])
        else { return nil }
        return listed
    }

    func count() -> LooseObjectCount {
        let files = looseFiles()
        return LooseObjectCount(
            objects: files.count, bytes: files.reduce(0) { $0 + $1.bytes }, smallPacks: SmallPack.list(in: packDirectory).count)
    }

    /// Packs loose objects and merges the small packs (two or more), up to `maximumBytes` of disk space
    /// of their files per run so that one run's time and memory stay bounded (a repository that has
    /// gathered gigabytes is packed over several runs).
    func pack(maximumBytes: Int) throws(GitError) -> PackingOutcome {
        var outcome = PackingOutcome()
        let looseObjects = repository.looseObjects
        let (handle, builder) = try Self.packBuilder(for: repository)
        defer {
            git_packbuilder_free(builder)
            // The builder holds the handle's pointer, not a reference: the handle goes after it.
            withExtendedLifetime(handle) {}
        }
        // One thread: the service shares its machine; packing is not urgent.
        git_packbuilder_set_threads(builder, 1)
        var inserted: [LooseFile] = []
        var insertedBytes = 0
        var merging: [SmallPack] = []
        let smallPacks = SmallPack.list(in: packDirectory)
        if smallPacks.count >= 2 {
            for pack in smallPacks where insertedBytes < maximumBytes {
                for id in pack.ids {
                    var oid = id.oid
                    try check("git_packbuilder_insert", git_packbuilder_insert(builder, &oid, nil))
                }
                merging.append(pack)
                insertedBytes += pack.bytes
            }
        }
        // Loose and packed (a run that died before removing them, or a person's `git repack` without
        // `-d`): removed, not packed twice.
        let packedAlready = packedIDs()
        for file in looseFiles() {
            if packedAlready.contains(file.id) {
                if unlink(file.path) == 0 { outcome.looseBytesRemoved += file.bytes }
                continue
            }
            guard insertedBytes < maximumBytes else {
                outcome.leftLoose += 1
                continue
            }
            switch looseObjects.verify(file.id) {
            case .absent: continue
            case .damaged(let why): outcome.damaged.append(why)
            case .sound:
                var oid = file.id.oid
                try check("git_packbuilder_insert", git_packbuilder_insert(builder, &oid, nil))
                inserted.append(file)
                insertedBytes += file.bytes
            }
        }
        guard !inserted.isEmpty || !merging.isEmpty else { return outcome }
        try check("git_packbuilder_write", git_packbuilder_write(builder, packDirectory, 0, nil, nil))
        guard let name = git_packbuilder_name(builder).map({ String(cString: $0) }) else {
            throw GitError(function: "git_packbuilder_name", code: .other(-1), message: "the pack builder named no pack")
        }
        let base = packDirectory + "/pack-" + name
        outcome.packBytes = try Self.sync(base + ".pack") + Self.sync(base + ".idx")
        try Self.sync(directory: packDirectory)
        guard let listed = Self.idsInPack(base) else {
            throw GitError(
                function: "LoosePacker", code: .other(-1), message: "\(base).idx does not read as the index of \(base).pack")
        }
        let inPack = Set(listed)
        outcome.packed = inPack.count
        for file in inserted where inPack.contains(file.id) {
            if unlink(file.path) == 0 { outcome.looseBytesRemoved += file.bytes }
        }
        // The new pack's name is its checksum: were it one of the packs merged, it would hold the same.
        for pack in merging where pack.base != base && pack.ids.allSatisfy(inPack.contains) {
            if pack.remove() {
                outcome.packsMerged += 1
                outcome.packBytesRemoved += pack.bytes
            }
        }
        // libgit2 finds the new pack on its next miss anyway; this spares that miss.
        git_odb_refresh(repository.odb)
        return outcome
    }

    /// The pack builder's settings (git's `pack.*` keys), measured on 31 commits of 100 changes at 10,000
    /// workflows (74 MB of loose files, 31 remote-maps of 4.7 MB): with libgit2's defaults, 6.1 s of CPU
    /// and 145 MB. Deltas under 1,000 bytes are kept from the search for writing; the others are computed
    /// again when the pack is written, reading both maps again: up to 64 KiB are kept (3.3 s). A window of
    /// ten 4.7 MB maps and their delta indexes held 145 MB; 32 MiB holds three of them, and small objects
    /// still get all ten (3.1 s, 61 MB, the same pack to the byte; 4 MiB made a pack twice the size).
    static let settings = """
        [pack]
        \twindowMemory = 33554432
        \tdeltaCacheLimit = 65536
        \tdeltaCacheSize = 67108864

        """

    /// A pack builder on a handle of its own, whose configuration gains `settings` above all its files.
    /// libgit2 has no configuration level in memory: the settings pass through a temporary file, which
    /// the pack builder reads when it is created (a file gone by a later read would count as emptied).
    /// The file is in the repository's folder, which is writable wherever the repository is (`/tmp` is
    /// not under every sandbox); git ignores files there that it does not know.
    private static func packBuilder(for repository: Repository) throws(GitError) -> (Repository, OpaquePointer) {
        let handle = try Repository(openingBareAt: repository.gitDirectory)
        var configuration: OpaquePointer?
        try check("git_repository_config", git_repository_config(&configuration, handle.pointer))
        defer { git_config_free(configuration) }
        let path = (repository.gitDirectory as NSString).appendingPathComponent(
            "kapso-gitsync-pack-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).config")
        guard FileManager.default.createFile(atPath: path, contents: Data(settings.utf8)) else { throw failure("write", path) }
        defer { unlink(path) }
        try check(
            "git_config_add_file_ondisk",
            git_config_add_file_ondisk(configuration, path, GIT_CONFIG_LEVEL_APP, handle.pointer, 1))
        var builder: OpaquePointer?
        try check("git_packbuilder_new", git_packbuilder_new(&builder, handle.pointer))
        return (handle, builder!)
    }

    /// Flushes a file to disk; returns its size.
    @discardableResult
    private static func sync(_ path: String) throws(GitError) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        var status = stat()
        guard fsync(descriptor) == 0, fstat(descriptor, &status) == 0 else { throw failure("sync", path) }
        return Int(status.st_size)
    }

    private static func sync(directory: String) throws(GitError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("sync", directory) }
    }

    private static func failure(_ operation: String, _ path: String) -> GitError {
        GitError(function: "LoosePacker", code: .other(errno), message: "cannot \(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
