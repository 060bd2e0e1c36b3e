internal import CLibgit2

/// An object id as its 20 bytes, held as three big-endian integers: hashed and compared (in byte
/// order, as a pack index sorts them) without going through text.
struct RawObjectID: Hashable, Comparable {
    let high: UInt64
    let middle: UInt64
    let low: UInt32

    init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count == 20, "an object id is 20 bytes")
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt32 = 0
        for (position, byte) in bytes.enumerated() {
            switch position {
            case 0..<8: high = high << 8 | UInt64(byte)
            case 8..<16: middle = middle << 8 | UInt64(byte)
            default: low = low << 8 | UInt32(byte)
            }
        }
        self.high = high
        self.middle = middle
        self.low = low
    }

    init(_ oid: git_oid) {
        var copy = oid
        self.init(withUnsafeBytes(of: &copy.id) { Array($0) })
    }

    var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: middle >> (56 - 8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
    }

    var oid: git_oid {
        var oid = git_oid()
        let bytes = self.bytes
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            for (position, byte) in bytes.enumerated() { buffer[position] = byte }
        }
        return oid
    }

    static func < (left: RawObjectID, right: RawObjectID) -> Bool {
        (left.high, left.middle, left.low) < (right.high, right.middle, right.low)
    }
}
