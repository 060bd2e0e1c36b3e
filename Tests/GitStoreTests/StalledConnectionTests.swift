import Foundation
import GitStore
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A server that accepts connections and never answers: libgit2 would wait for it forever.
final class SilentServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Accepted()

    final class Accepted: Sendable {
        private let descriptors = Mutex<[Int32]>([])
        func append(_ descriptor: Int32) { descriptors.withLock { $0.append(descriptor) } }
        var all: [Int32] { descriptors.withLock { $0 } }
    }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let accepted = self.accepted
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                accepted.append(connection)
            }
        }.start()
    }

    /// Connections it accepted (and holds open without a word).
    var connections: Int { accepted.all.count }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for connection in accepted.all { close(connection) }
    }
}

@Suite struct StalledConnectionTests {
    @Test func aServerThatNeverAnswersIsCutAfterTheStallTimeoutAndTriedOnceMore() async throws {
        let directory = try TemporaryDirectory()
        let store = try GitStore(path: directory.path + "/repo.git")
        let server = try SilentServer()
        var access = RemoteAccess(url: "http://127.0.0.1:\(server.port)/flows.git", httpsToken: "stall-token")
        access.stallTimeout = .seconds(1)
        do {
            try await store.fetch(access, refspecs: ["+refs/heads/*:refs/remotes/origin/*"])
            Issue.record("a server that never answers cannot be fetched from")
        } catch {
            #expect(error.stalled, "\(error)")
            #expect(error.kind == .unreachable)
            #expect(error.description.contains("no progress for 1.0 seconds"), "\(error)")
            #expect(!error.description.contains("stall-token"))
        }
        #expect(server.connections == 2, "tried once more on a new connection")
    }
}
