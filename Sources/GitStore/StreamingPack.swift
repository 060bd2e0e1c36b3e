internal import CLibgit2
import Crypto
import Foundation

/// The objects of a bulk write, deflated as they are written and held (deflated) until they are
/// written out as a packfile with its index: at the end of the bulk write, or whenever the deflated
/// objects held reach `windowLimit`, so that memory is bounded by that window and not by the import.
///
/// It is also a libgit2 object database backend (`install(in:)`): trees and commits libgit2 writes
/// during the bulk write come here, and the objects held are read back from here until they are in a
/// pack on disk, where libgit2's own pack backend finds them.
final class StreamingPack {
    /// Deflated bytes held before a pack is written: at 10,000 workflows of 40 nodes the whole first
    /// import deflates to about 25 MB, so it is one pack; a larger project gets a pack per window.
    static let windowLimit = 64 << 20
    /// zlib's level 3: on workflow files as fast as level 1 and 5% smaller; level 6 (git's and
    /// libgit2's default) is twice as slow for 10% less.
    static let compressionLevel: Int32 = 3

    private struct Held {
        let type: PackFormat.ObjectType
        let size: Int
        /// Where the object's header starts in `window`, and where its deflated data starts and ends.
        let start: Int
        let dataStart: Int
        let end: Int
        let crc: UInt32
    }

    private let packDirectory: String
    private let windowLimit: Int
    private var window: [UInt8] = []
    private var held: [RawObjectID: Held] = [:]
    private var order: [RawObjectID] = []
    private(set) var packsWritten = 0

    init(gitDirectory: String, windowLimit: Int = StreamingPack.windowLimit) {
        packDirectory = URL(fileURLWithPath: gitDirectory).appendingPathComponent("objects/pack").path
        self.windowLimit = windowLimit
    }

    // MARK: Objects

    /// The id git gives `bytes` as an object of `type`.
    static func objectID(of bytes: UnsafeRawBufferPointer, type: PackFormat.ObjectType) -> RawObjectID {
        var hasher = Insecure.SHA1()
        hasher.update(data: Array("\(type.name) \(bytes.count)\0".utf8))
        hasher.update(bufferPointer: bytes)
        return RawObjectID(Array(hasher.finalize()))
    }

    func contains(_ id: RawObjectID) -> Bool { held[id] != nil }

    /// Holds one object; one already held is not held twice.
    func add(_ id: RawObjectID, type: PackFormat.ObjectType, bytes: UnsafeRawBufferPointer) throws(GitError) {
        guard held[id] == nil else { return }
        // The whole window at once: grown by doubling, each copy into a larger buffer touched its pages
        // for the first time (38% of a 10,000-workflow import's page faults; reserved, the import had
        // a sixth fewer). Pages reserved and never written cost no memory.
        if window.capacity == 0 { window.reserveCapacity(windowLimit + windowLimit / 8) }
        let start = window.count
        window += PackFormat.objectHeader(type: type, size: bytes.count)
        let dataStart = window.count
        var capacity = compressBound(uLong(bytes.count))
        window += repeatElement(0, count: Int(capacity))
        // zlib reads no byte of an empty source, but wants a pointer all the same.
        let empty: UInt8 = 0
        let result = withUnsafePointer(to: empty) { emptySource in
            window.withUnsafeMutableBufferPointer { buffer in
                compress2(
                    buffer.baseAddress! + dataStart, &capacity, bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) ?? emptySource,
                    uLong(bytes.count), Self.compressionLevel)
            }
        }
        guard result == Z_OK else {
            window.removeSubrange(start...)
            throw GitError(function: "compress2", code: .other(result), message: "zlib could not deflate an object")
        }
        window.removeSubrange((dataStart + Int(capacity))...)
        let crc = window.withUnsafeBufferPointer { buffer in
            UInt32(crc32(0, buffer.baseAddress! + start, uInt(window.count - start)))
        }
        held[id] = Held(type: type, size: bytes.count, start: start, dataStart: dataStart, end: window.count, crc: crc)
        order.append(id)
        if window.count >= windowLimit { try writePack() }
    }

    func header(_ id: RawObjectID) -> (type: PackFormat.ObjectType, size: Int)? {
        held[id].map { ($0.type, $0.size) }
    }

    /// Inflates a held object into `destination` (of the object's size).
    func read(_ id: RawObjectID, into destination: UnsafeMutableRawPointer) -> Bool {
        guard let object = held[id] else { return false }
        var size = uLong(object.size)
        let result = window.withUnsafeBufferPointer { buffer in
            uncompress(
                destination.assumingMemoryBound(to: Bytef.self), &size, buffer.baseAddress! + object.dataStart,
                uLong(object.end - object.dataStart))
        }
        return result == Z_OK && Int(size) == object.size
    }

    // MARK: Packs

    /// Writes the objects held as a pack and its index in `objects/pack` (each synced, then renamed
    /// into place, the index last: git reads a pack only once its index is there), and lets them go.
    func writePack() throws(GitError) {
        guard !order.isEmpty else { return }
        let header = PackFormat.packHeader(objectCount: order.count)
        // A window ends at 64 MB of deflated objects, and the API's answers at 64 MB: far below.
        guard header.count + window.count < PackFormat.maximumPackBytes else {
            throw GitError(function: "StreamingPack", code: .other(-1), message: "a pack of \(window.count) bytes is too large to index")
        }
        var hasher = Insecure.SHA1()
        hasher.update(data: header)
        hasher.update(data: window)
        let checksum = Array(hasher.finalize())
        let name = "pack-" + checksum.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let objects = order.map { id in
            let object = held[id]!
            return PackFormat.IndexedObject(id: id, crc: object.crc, offset: header.count + object.start)
        }
        try writeFile(name + ".pack", parts: [header, window, checksum])
        try writeFile(name + ".idx", parts: [PackFormat.index(objects, packChecksum: checksum)])
        let directory = open(packDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        window = []
        held = [:]
        order = []
        packsWritten += 1
    }

    /// Lets the objects held go, unwritten (packs already written stay, unreferenced, for `git gc`).
    func discard() {
        window = []
        held = [:]
        order = []
    }

    private func writeFile(_ name: String, parts: [[UInt8]]) throws(GitError) {
        let path = packDirectory + "/" + name
        let temporary = packDirectory + "/tmp_" + name
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o444)
        guard descriptor >= 0 else { throw Self.failure("open", temporary) }
        var failed = false
        for part in parts where !failed {
            part.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        failed = true
                        return
                    }
                    offset += written
                }
            }
        }
        if !failed, fsync(descriptor) != 0 { failed = true }
        close(descriptor)
        if failed || rename(temporary, path) != 0 {
            let error = Self.failure("write", path)
            unlink(temporary)
            throw error
        }
    }

    private static func failure(_ operation: String, _ path: String) -> GitError {
        GitError(
            function: "StreamingPack", code: .other(errno), message: "cannot \(operation) \(path): \(String(cString: strerror(errno)))")
    }

    // MARK: The libgit2 backend

    /// Adds this pack to `repository`'s object database, above every other backend: libgit2 writes
    /// new objects here and finds the held ones here first.
    func install(in repository: Repository) throws(GitError) {
        try SwiftObjectBackend.add(to: repository.odb, priority: 999, owner: Unmanaged.passUnretained(self).toOpaque()) { backend in
            backend.read = streamingPackRead
            backend.read_header = streamingPackReadHeader
            backend.write = streamingPackWrite
            backend.exists = streamingPackExists
            backend.free = streamingPackFree
        }
    }

    /// The pack behind a libgit2 backend pointer this class installed.
    fileprivate static func owner(of backend: UnsafeMutablePointer<git_odb_backend>?) -> StreamingPack? {
        SwiftObjectBackend.owner(of: backend).map { Unmanaged<StreamingPack>.fromOpaque($0).takeUnretainedValue() }
    }
}

extension PackFormat.ObjectType {
    init?(_ type: git_object_t) {
        switch type {
        case GIT_OBJECT_COMMIT: self = .commit
        case GIT_OBJECT_TREE: self = .tree
        case GIT_OBJECT_BLOB: self = .blob
        case GIT_OBJECT_TAG: self = .tag
        default: return nil
        }
    }

    var gitType: git_object_t {
        switch self {
        case .commit: GIT_OBJECT_COMMIT
        case .tree: GIT_OBJECT_TREE
        case .blob: GIT_OBJECT_BLOB
        case .tag: GIT_OBJECT_TAG
        }
    }

    var name: String {
        switch self {
        case .commit: "commit"
        case .tree: "tree"
        case .blob: "blob"
        case .tag: "tag"
        }
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}

// The backend's callbacks: C function pointers, so free functions that find their pack through the
// backend pointer. libgit2 calls them on the thread of the GitStore call that reads or writes.

private func streamingPackRead(
    _ buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ length: UnsafeMutablePointer<Int>?,
    _ type: UnsafeMutablePointer<git_object_t>?, _ backend: UnsafeMutablePointer<git_odb_backend>?, _ oid: UnsafePointer<git_oid>?
) -> Int32 {
    guard let pack = StreamingPack.owner(of: backend), let oid, let found = pack.header(RawObjectID(oid.pointee)) else {
        return GIT_ENOTFOUND.rawValue
    }
    guard let data = git_odb_backend_data_alloc(backend, found.size) else { return GIT_ERROR.rawValue }
    guard pack.read(RawObjectID(oid.pointee), into: data) else {
        git_odb_backend_data_free(backend, data)
        return SwiftObjectBackend.fail("kapso-gitsync: an object held for the pack does not inflate")
    }
    buffer?.pointee = data
    length?.pointee = found.size
    type?.pointee = found.type.gitType
    return 0
}

private func streamingPackReadHeader(
    _ length: UnsafeMutablePointer<Int>?, _ type: UnsafeMutablePointer<git_object_t>?, _ backend: UnsafeMutablePointer<git_odb_backend>?,
    _ oid: UnsafePointer<git_oid>?
) -> Int32 {
    guard let pack = StreamingPack.owner(of: backend), let oid, let found = pack.header(RawObjectID(oid.pointee)) else {
        return GIT_ENOTFOUND.rawValue
    }
    length?.pointee = found.size
    type?.pointee = found.type.gitType
    return 0
}

private func streamingPackWrite(
    _ backend: UnsafeMutablePointer<git_odb_backend>?, _ oid: UnsafePointer<git_oid>?, _ data: UnsafeRawPointer?, _ length: Int,
    _ type: git_object_t
) -> Int32 {
    guard let pack = StreamingPack.owner(of: backend), let oid, let objectType = PackFormat.ObjectType(type) else {
        return SwiftObjectBackend.fail("kapso-gitsync: cannot pack an object of this type")
    }
    do {
        try pack.add(RawObjectID(oid.pointee), type: objectType, bytes: UnsafeRawBufferPointer(start: data, count: length))
        return 0
    } catch {
        return SwiftObjectBackend.fail(error.message)
    }
}

private func streamingPackExists(_ backend: UnsafeMutablePointer<git_odb_backend>?, _ oid: UnsafePointer<git_oid>?) -> Int32 {
    guard let pack = StreamingPack.owner(of: backend), let oid else { return 0 }
    return pack.contains(RawObjectID(oid.pointee)) ? 1 : 0
}

/// libgit2 frees its backends with the object database; the pack itself may be gone by then.
private func streamingPackFree(_ backend: UnsafeMutablePointer<git_odb_backend>?) {
    SwiftObjectBackend.deallocate(backend)
}
