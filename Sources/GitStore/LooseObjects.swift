internal import CLibgit2
import Crypto
import Foundation

/// The repository's own loose objects, written and read with the id hashed once by a fast SHA-1.
///
/// `git_odb_write` hashes an object with libgit2's collision-detecting SHA-1 although the caller
/// hashed it already to ask whether it exists, and `git_odb_read` hashes it again to verify it: for the
/// 4.7 MB remote-map of 10,000 workflows that was three passes of about 13 ms each in every committing
/// cycle. Objects are written through libgit2's own loose backend (the same format, compression level,
/// file modes and fsync setting as `git_odb_write`, into the same folder, which is the one `git_odb_write`
/// writes to: alternates are only read); they are read here only when loose, inflated with zlib (which
/// checks its own checksum) and checked against their id before they are returned. libgit2 reads the
/// other loose objects (trees, commits) through here too (`LooseObjectGuard`), and packing checks each
/// one here first (`verify`).
final class LooseObjects {
    private let backend: UnsafeMutablePointer<git_odb_backend>
    /// The objects folder, ending with a slash.
    let directory: String

    init(repository: OpaquePointer) throws(GitError) {
        var path = git_buf()
        try check("git_repository_item_path", git_repository_item_path(&path, repository, GIT_REPOSITORY_ITEM_OBJECTS))
        directory = String(cString: path.ptr)
        git_buf_dispose(&path)
        var backend: UnsafeMutablePointer<git_odb_backend>?
        // -1: libgit2's level for loose objects (zlib's fastest); 0, 0: its default folder and file modes.
        try check("git_odb_backend_loose", git_odb_backend_loose(&backend, directory, -1, Self.fsyncs(repository) ? 1 : 0, 0, 0))
        self.backend = backend!
    }

    deinit { backend.pointee.free(backend) }

    /// As libgit2's own object database decides it: `core.fsyncObjectFiles` (the process-wide
    /// `GIT_OPT_ENABLE_FSYNC_GITDIR` is read by the backend itself).
    private static func fsyncs(_ repository: OpaquePointer) -> Bool {
        var configuration: OpaquePointer?
        guard git_repository_config_snapshot(&configuration, repository) == 0 else { return false }
        defer { git_config_free(configuration) }
        var value: Int32 = 0
        return git_config_get_bool(&value, configuration, "core.fsyncObjectFiles") == 0 && value != 0
    }

    /// A blob's id, by a SHA-1 several times faster than libgit2's collision-detecting one.
    static func blobOID(of bytes: UnsafeRawBufferPointer) -> git_oid {
        StreamingPack.objectID(of: bytes, type: .blob).oid
    }

    static func blobID(of bytes: UnsafeRawBufferPointer) -> ObjectID { ObjectID(blobOID(of: bytes)) }

    /// Writes a blob whose id the caller computed with `blobOID(of:)`.
    func writeBlob(_ oid: git_oid, bytes: [UInt8]) throws(GitError) {
        var oid = oid
        try check("git_odb_backend_loose write", backend.pointee.write(backend, &oid, bytes, bytes.count, GIT_OBJECT_BLOB))
    }

    /// The content of a loose blob; nil when there is no loose object of that id (it may be packed), or
    /// when it is not a blob (libgit2 then reads it, and reports the type).
    ///
    /// A damaged loose file is refused here: libgit2 1.5 never returns from inflating a loose object cut
    /// short (it spins in `inflate`), which would stop the whole service.
    func readBlob(_ id: ObjectID) throws(GitError) -> [UInt8]? {
        let path = self.path(of: id)
        guard let compressed = Self.contents(of: path) else { return nil }
        switch Self.inflateObject(compressed, onlyBlob: true) {
        case .object(_, let content):
            let actual = content.withUnsafeBytes { Self.blobID(of: $0) }
            guard actual == id else {
                throw GitError(
                    function: "loose object read", code: .other(-1), message: "\(path) is corrupt: its blob hashes to \(actual.hex)")
            }
            return content
        case .otherType:
            return nil
        case .damaged:
            throw Self.damaged(path)
        }
    }

    /// Whether the loose object `id` is whole: it inflates to the size its header gives and hashes to
    /// its id. Read in full before libgit2 reads it for a pack, as libgit2 would spin on one cut short.
    func verify(_ id: RawObjectID) -> LooseObjectCheck {
        do {
            guard let (type, content) = try readObject(id) else { return .absent }
            let actual = content.withUnsafeBytes { StreamingPack.objectID(of: $0, type: type) }
            guard actual == id else {
                return .damaged("\(path(of: ObjectID(id.oid))) is corrupt: its \(type.name) hashes to \(ObjectID(actual.oid).hex)")
            }
            return .sound
        } catch {
            return .damaged(error.message)
        }
    }

    /// A loose object of any type, for libgit2's object database (`LooseObjectGuard`), which checks its
    /// id itself; nil when there is no such loose file. A damaged file throws, naming it.
    func readObject(_ id: RawObjectID) throws(GitError) -> (type: PackFormat.ObjectType, content: [UInt8])? {
        let path = self.path(of: ObjectID(id.oid))
        guard let compressed = Self.contents(of: path) else { return nil }
        guard case .object(let type, let content) = Self.inflateObject(compressed, onlyBlob: false) else { throw Self.damaged(path) }
        return (type, content)
    }

    /// A loose object's type and size from the start of its file, as libgit2's own loose backend reads
    /// them (the rest is read, and checked, when the object is); nil when there is no such loose file.
    func readHeader(_ id: RawObjectID) throws(GitError) -> (type: PackFormat.ObjectType, size: Int)? {
        let path = self.path(of: ObjectID(id.oid))
        // A header is under 30 bytes; deflated, its first kilobyte holds it many times over.
        guard let start = Self.contents(of: path, upTo: 1024) else { return nil }
        guard let header = Self.inflateHeader(start) else { throw Self.damaged(path) }
        return header
    }

    /// A file's bytes (the first `limit` of them); nil when it cannot be opened. One failed `open` when
    /// there is no such file: libgit2 asks for packed objects here too.
    private static func contents(of path: String, upTo limit: Int = .max) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        var data = Data(count: min(Int(status.st_size), limit))
        let total = data.count
        let complete = data.withUnsafeMutableBytes { buffer -> Bool in
            var offset = 0
            while offset < total {
                let count = read(descriptor, buffer.baseAddress! + offset, total - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        return complete ? data : nil
    }

    private func path(of id: ObjectID) -> String {
        let hex = id.hex
        return directory + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    private static func damaged(_ path: String) -> GitError {
        GitError(
            function: "loose object read", code: .other(-1),
            message: "\(path) is damaged: it does not inflate to a whole git object of the size its header gives")
    }

    private enum Inflated {
        case object(PackFormat.ObjectType, [UInt8])
        case otherType
        case damaged
    }

    /// A loose object's type and content (`onlyBlob`: other types are not inflated); damaged unless its
    /// stream inflates whole (zlib checks its own checksum) to a known header and exactly the size that
    /// header gives.
    private static func inflateObject(_ compressed: Data, onlyBlob: Bool) -> Inflated {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return .damaged }
        defer { inflateEnd(&stream) }
        return compressed.withUnsafeBytes { source -> Inflated in
            stream.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(source.count)
            // The header ("blob 123\0") is short; what else the first step inflates is content.
            var head = [UInt8](repeating: 0, count: 64)
            var status = head.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            guard status == Z_OK || status == Z_STREAM_END else { return .damaged }
            let produced = head.count - Int(stream.avail_out)
            guard let nul = head[..<produced].firstIndex(of: 0), let (type, size) = header(head[..<nul]) else { return .damaged }
            guard type == .blob || !onlyBlob else { return .otherType }
            let early = produced - nul - 1
            // Deflate shrinks by at most about 1,032 to 1: a larger size is a damaged header, not memory to ask for.
            guard early <= size, size / 1032 <= source.count else { return .damaged }
            var content = [UInt8](repeating: 0, count: size)
            content.withUnsafeMutableBufferPointer { buffer in
                for offset in 0..<early { buffer[offset] = head[nul + 1 + offset] }
            }
            if status != Z_STREAM_END {
                status = content.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress.map { $0 + early }
                    stream.avail_out = uInt(size - early)
                    return inflate(&stream, Z_FINISH)
                }
                // Output full before the stream's end: one byte more tells a longer stream (damaged)
                // from one that only has its end left.
                if status == Z_BUF_ERROR, stream.avail_out == 0 {
                    var extra: UInt8 = 0
                    status = withUnsafeMutablePointer(to: &extra) { pointer in
                        stream.next_out = pointer
                        stream.avail_out = 1
                        return inflate(&stream, Z_FINISH)
                    }
                }
            }
            guard status == Z_STREAM_END, stream.total_out == uLong(nul + 1 + size) else { return .damaged }
            return .object(type, content)
        }
    }

    /// The type and size a loose object's first bytes give; nil when they do not inflate to a header.
    private static func inflateHeader(_ start: Data) -> (type: PackFormat.ObjectType, size: Int)? {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var head = [UInt8](repeating: 0, count: 64)
        let produced = start.withUnsafeBytes { source -> Int in
            stream.next_in = UnsafeMutablePointer(mutating: source.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(source.count)
            let status = head.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            return status == Z_OK || status == Z_STREAM_END ? head.count - Int(stream.avail_out) : 0
        }
        guard let nul = head[..<produced].firstIndex(of: 0) else { return nil }
        return header(head[..<nul])
    }

    /// A header's type and size ("blob 123"); nil when malformed.
    private static func header(_ bytes: ArraySlice<UInt8>) -> (type: PackFormat.ObjectType, size: Int)? {
        guard let space = bytes.firstIndex(of: 0x20) else { return nil }
        let digits = bytes[(space + 1)...]
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let size = Int(String(decoding: digits, as: UTF8.self))
        else { return nil }
        let name = String(decoding: bytes[..<space], as: UTF8.self)
        guard let type = PackFormat.ObjectType.allCases.first(where: { $0.name == name }) else { return nil }
        return (type, size)
    }
}

/// What a loose object's file holds, read in full.
enum LooseObjectCheck: Equatable {
    case sound
    /// No such loose file (packed, or never there).
    case absent
    /// Why it cannot be read: the message names the file.
    case damaged(String)
}
