import Crypto

/// Git's packfile and pack index, both version 2 (git's `Documentation/gitformat-pack.txt`), as the
/// bulk write needs them: whole objects, no deltas. libgit2 1.5 packs only through its pack builder,
/// which deflates at zlib's default level and is then indexed by re-reading (inflating and hashing)
/// every object: for a first import of 10,000 workflows that was over 3 s of CPU and the whole import
/// held in memory. Written by hand because no library here writes a pack from objects as they come.
enum PackFormat {
    enum ObjectType: UInt8, CaseIterable {
        case commit = 1, tree = 2, blob = 3, tag = 4
    }

    /// The largest pack whose index needs no table of large offsets.
    static let maximumPackBytes = 0x8000_0000

    /// An object's place in its pack, for the index.
    struct IndexedObject {
        let id: RawObjectID
        /// CRC-32 of the object's bytes in the pack (header and deflated data).
        let crc: UInt32
        let offset: Int
    }

    /// `PACK`, version 2, the object count.
    static func packHeader(objectCount: Int) -> [UInt8] {
        Array("PACK".utf8) + bigEndian(UInt32(2)) + bigEndian(UInt32(objectCount))
    }

    /// The header before an object's deflated data: the type, and the inflated size in 4 + 7n bits.
    static func objectHeader(type: ObjectType, size: Int) -> [UInt8] {
        var remaining = UInt64(size) >> 4
        var header = [UInt8(type.rawValue) << 4 | UInt8(size & 0x0F)]
        while remaining > 0 {
            header[header.count - 1] |= 0x80
            header.append(UInt8(remaining & 0x7F))
            remaining >>= 7
        }
        return header
    }

    /// The index of a pack whose trailing checksum is `packChecksum`: fan-out table, sorted ids,
    /// CRC-32s, offsets, then both checksums. Offsets must be below 2³¹ (`maximumPackBytes`): the
    /// second table the format has for larger ones is not written.
    static func index(_ objects: [IndexedObject], packChecksum: [UInt8]) -> [UInt8] {
        let sorted = objects.sorted { $0.id < $1.id }
        var output: [UInt8] = [0xFF, 0x74, 0x4F, 0x63] + bigEndian(UInt32(2))
        output.reserveCapacity(8 + 1024 + sorted.count * 28 + 40)
        var counts = [UInt32](repeating: 0, count: 256)
        for object in sorted { counts[Int(object.id.high >> 56)] += 1 }
        var cumulative: UInt32 = 0
        for count in counts {
            cumulative += count
            output += bigEndian(cumulative)
        }
        for object in sorted { output += object.id.bytes }
        for object in sorted { output += bigEndian(object.crc) }
        for object in sorted { output += bigEndian(UInt32(object.offset)) }
        output += packChecksum
        output += Array(Insecure.SHA1.hash(data: output))
        return output
    }

    /// The ids a version-2 pack index lists; nil when `bytes` is not one (a wrong signature or version,
    /// a fan-out that does not count up, or fewer bytes than the ids it counts).
    static func indexedIDs(_ bytes: [UInt8]) -> [RawObjectID]? {
        guard bytes.count >= 8 + 1024, bytes[0..<8].elementsEqual([0xFF, 0x74, 0x4F, 0x63, 0, 0, 0, 2]) else { return nil }
        func word(at offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        var previous = 0
        for slot in 0..<256 {
            let cumulative = word(at: 8 + 4 * slot)
            guard cumulative >= previous else { return nil }
            previous = cumulative
        }
        let count = previous
        let idsStart = 8 + 1024
        guard bytes.count >= idsStart + count * 20 else { return nil }
        return (0..<count).map { RawObjectID(bytes[(idsStart + $0 * 20)..<(idsStart + $0 * 20 + 20)]) }
    }

    static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
