import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Write to a temporary file in the same folder, then rename: a reader sees the old or the new file,
/// never half. Files are readable by their owner only (they may name workflows and a project).
public enum AtomicFile {
    /// `durable`: the file and its folder are synced before this returns, for a record that must
    /// survive a crash of the machine right after (a push intent announces a write that follows).
    public static func write(_ data: some ContiguousBytes, to url: URL, durable: Bool = false) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError(path: temporary.path) }
        var failure: (any Error)?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, failure == nil {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno != EINTR { failure = posixError(path: temporary.path) }
                } else {
                    offset += written
                }
            }
        }
        if failure == nil, durable, fsync(descriptor) != 0 { failure = posixError(path: temporary.path) }
        close(descriptor)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = posixError(path: url.path) }
        if let failure {
            unlink(temporary.path)
            throw failure
        }
        if durable { try syncFolder(url.deletingLastPathComponent()) }
    }

    /// Makes a rename or an unlink in `folder` survive a crash.
    public static func syncFolder(_ folder: URL) throws {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError(path: folder.path) }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw posixError(path: folder.path) }
    }

    private static func posixError(path: String) -> any Error {
        let code = errno
        return CocoaError(
            .fileWriteUnknown,
            userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)])
    }
}
