internal import CLibgit2

/// A git object id (SHA-1), printable as the usual 40 hex digits.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            return nil
        }
        self.hex = hex
    }

    init(_ oid: git_oid) {
        var copy = oid
        // git_oid_tostr_s uses a thread-local buffer; git_oid_fmt writes into ours.
        var buffer = [CChar](repeating: 0, count: 40)
        git_oid_fmt(&buffer, &copy)
        self.hex = String(decoding: buffer.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var raw: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    public var description: String { hex }

    public var short: String { String(hex.prefix(12)) }
}
