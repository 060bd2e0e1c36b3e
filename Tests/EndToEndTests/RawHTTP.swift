import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP written by hand over a socket, for what URLSession will not send: a request whose declared body
/// never arrives, or a chunked body of any size.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends `head` (the request line and headers, without the blank line), then `body` chunks, and
    /// answers the status line of the response, reading at most until the headers end.
    static func exchange(_ address: String, head: String, body: [Data] = []) throws -> String {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw Failure(description: "bad address \(address)") }
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketDescriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(socketDescriptor) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var peer = sockaddr_in()
        peer.sin_family = sa_family_t(AF_INET)
        peer.sin_port = port.bigEndian
        peer.sin_addr.s_addr = inet_addr(String(parts[0]))
        let connected = withUnsafePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        try send(Data((head + "\r\n\r\n").utf8), to: socketDescriptor)
        for chunk in body {
            // The server may answer and close before it has read everything: that is the point.
            guard (try? send(chunk, to: socketDescriptor)) != nil else { break }
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !answer.contains(Data("\r\n".utf8)) {
            let count = recv(socketDescriptor, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            answer.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: answer, as: UTF8.self)
        return text.components(separatedBy: "\r\n").first ?? ""
    }

    private static func send(_ data: Data, to socketDescriptor: Int32) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(socketDescriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { throw Failure(description: "send: \(errno)") }
                offset += sent
            }
        }
    }
}
