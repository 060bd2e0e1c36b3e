import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a pipe with read(2), retrying on EINTR: Foundation's `FileHandle` reads trap on an
/// interrupted system call, which parallel tests that spawn processes do meet.
public enum PipeReader {
    /// The next chunk; empty at end of file or on an error other than EINTR.
    public static func chunk(_ handle: FileHandle, size: Int = 65_536) -> Data {
        var buffer = [UInt8](repeating: 0, count: size)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, size) }
            if count >= 0 { return Data(buffer.prefix(count)) }
            if errno != EINTR { return Data() }
        }
    }

    /// Everything until end of file.
    public static func all(_ handle: FileHandle) -> Data {
        var data = Data()
        while true {
            let next = chunk(handle)
            if next.isEmpty { return data }
            data.append(next)
        }
    }
}
