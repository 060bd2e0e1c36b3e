import Crypto
import Foundation
import GitStore

/// An OpenSSH `known_hosts` file: which host keys a host may present. Plain and hashed (`|1|salt|hash`)
/// host names, `[host]:port` for other ports, `@revoked` keys; `@cert-authority` lines are skipped
/// (libgit2 shows no certificates).
public struct KnownHosts: Sendable {
    struct Entry: Sendable {
        enum Pattern: Sendable {
            case plain([String])
            case hashed(salt: [UInt8], hash: [UInt8])
        }

        let pattern: Pattern
        let keyBlob: [UInt8]
        let revoked: Bool
    }

    let entries: [Entry]

    public init(text: String) {
        var entries: [Entry] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { continue }
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let blob = Data(base64Encoded: fields[2]) else { continue }
            let pattern: Entry.Pattern
            if fields[0].hasPrefix("|1|") {
                let parts = fields[0].split(separator: "|")
                guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])), let hash = Data(base64Encoded: String(parts[2]))
                else { continue }
                pattern = .hashed(salt: [UInt8](salt), hash: [UInt8](hash))
            } else {
                pattern = .plain(fields[0].split(separator: ",").map(String.init))
            }
            entries.append(Entry(pattern: pattern, keyBlob: [UInt8](blob), revoked: revoked))
        }
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// `host` as OpenSSH writes it: the bare name on port 22, `[host]:port` otherwise.
    public func verdict(host: String, port: Int, keyBlob: [UInt8]) -> RemoteAccess.HostKeyVerdict {
        let name = port == 22 ? host : "[\(host)]:\(port)"
        let matching = entries.filter { $0.matches(name) }
        if matching.contains(where: { $0.revoked && $0.keyBlob == keyBlob }) { return .mismatch }
        let keys = matching.filter { !$0.revoked }
        if keys.isEmpty { return .unknownHost }
        return keys.contains { $0.keyBlob == keyBlob } ? .trusted : .mismatch
    }
}

extension KnownHosts.Entry {
    func matches(_ name: String) -> Bool {
        switch pattern {
        case .plain(let names):
            return names.contains(name)
        case .hashed(let salt, let hash):
            let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
            return [UInt8](code) == hash
        }
    }
}
