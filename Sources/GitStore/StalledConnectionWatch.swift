import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// libgit2 1.5 puts no timeout on its sockets, and libssh2 1.10 was seen here waiting forever in
/// `recv` for a reference list the server had sent (once in about ten test runs, against OpenSSH 9.2).
/// A cycle stuck there would hold everything until the watchdog restarted the process. This watch
/// shuts down the connections an operation opened to its server once the operation has made no
/// progress for `idle`: libgit2 then fails with a network error, and the operation can be tried again.
final class StalledConnectionWatch: Sendable {
    private let port: Int
    private let idle: Duration
    /// Sockets that existed before the operation, by inode (a descriptor number is reused at once,
    /// an inode is not): never touched, they belong to someone else.
    private let before: Set<String>
    private let lastProgress = Mutex(ContinuousClock.now)
    private let fired = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)

    init(port: Int, idle: Duration) {
        self.port = port
        self.idle = idle
        before = Set(Self.sockets().values)
        // A thread of its own: the operation it watches blocks one of the store's threads, and Swift's
        // shared pool must not be used for a loop like this.
        Thread { [self] in
            while stopped.wait(timeout: .now() + .seconds(1)) == .timedOut { check() }
        }.start()
    }

    /// Data moved: the operation is alive.
    func progress() {
        lastProgress.withLock { $0 = .now }
    }

    /// Ends the watch; answers whether it had to cut the connection.
    func stop() -> Bool {
        stopped.signal()
        return fired.load(ordering: .acquiring)
    }

    private func check() {
        guard !fired.load(ordering: .acquiring), ContinuousClock.now - lastProgress.withLock({ $0 }) > idle else { return }
        let stalled = Self.sockets().filter { !before.contains($0.value) && Self.peerPort($0.key) == port }.keys
        guard !stalled.isEmpty else { return }
        fired.store(true, ordering: .releasing)
        for descriptor in stalled { shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// The process's open sockets: descriptor → `socket:[inode]`.
    static func sockets() -> [Int32: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var sockets: [Int32: String] = [:]
        for name in names {
            guard let descriptor = Int32(name),
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                target.hasPrefix("socket:")
            else { continue }
            sockets[descriptor] = target
        }
        return sockets
    }

    /// The remote port of a connected TCP socket (IPv4 or IPv6).
    static func peerPort(_ descriptor: Int32) -> Int? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
}
