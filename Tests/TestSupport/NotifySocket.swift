import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket the test owns and passes as `NOTIFY_SOCKET`, standing in for systemd.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    private let descriptor: Int32

    public struct SocketError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SocketError(description: "path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw SocketError(description: "bind \(path): errno \(errno)") }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// The next datagram, or nil after `timeout` seconds. Blocks: call it from a Dispatch thread in async code.
    public func receive(timeout: Int) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Every datagram until `until` matches one (included) or the time is up.
    public func collect(timeout: Int, until done: @Sendable @escaping (String) -> Bool) async -> [String] {
        await withCheckedContinuation { continuation in
            onThreadOfItsOwn {
                var messages: [String] = []
                let deadline = Date().addingTimeInterval(TimeInterval(timeout))
                while Date() < deadline, let message = self.receive(timeout: max(1, Int(deadline.timeIntervalSinceNow.rounded(.up)))) {
                    messages.append(message)
                    if done(message) { break }
                }
                continuation.resume(returning: messages)
            }
        }
    }
}
