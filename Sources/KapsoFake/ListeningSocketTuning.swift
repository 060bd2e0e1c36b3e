import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// FlyingFox writes a response's head and body in two writes. With Nagle's algorithm on, the body
/// waits for the client's delayed ACK of the head: about 40 ms per request on loopback, which would
/// make the fake, not the product, the bottleneck of every benchmark. FlyingFox does not expose its
/// sockets, so this finds the listening socket by its port and sets TCP_NODELAY on it; Linux copies
/// the option to every accepted connection.
enum ListeningSocketTuning {
    static func disableNagle(onListeningPort port: UInt16) {
        for descriptor in Int32(3)..<Int32(4096) {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let found = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard found == 0, address.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: address.sin_port) == port else {
                continue
            }
            var listening: Int32 = 0
            var optionLength = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optionLength) == 0, listening != 0 else {
                continue
            }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return
        }
    }
}
