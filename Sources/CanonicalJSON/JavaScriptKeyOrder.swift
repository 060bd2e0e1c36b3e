/// The order in which `JSON.stringify` emits the keys of an object whose keys were inserted sorted.
///
/// `Array.prototype.sort` compares UTF-16 code units, but JavaScript objects always list
/// "array index" keys (`"0"`, `"7"`, `"10"`) first, in numeric order, whatever the insertion order.
public enum JavaScriptKeyOrder {
    public static func sorted(_ keys: some Sequence<String>) -> [String] {
        var indexKeys: [(UInt32, String)] = []
        var otherKeys: [String] = []
        for key in keys {
            if let index = arrayIndex(key) {
                indexKeys.append((index, key))
            } else {
                otherKeys.append(key)
            }
        }
        indexKeys.sort { $0.0 < $1.0 }
        otherKeys.sort { $0.utf16.lexicographicallyPrecedes($1.utf16) }
        return indexKeys.map(\.1) + otherKeys
    }

    /// A canonical decimal integer below 2³² − 1, the ECMAScript definition of an array index.
    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = key.utf8
        guard let first = utf8.first, utf8.count <= 10 else { return nil }
        if first == UInt8(ascii: "0") { return utf8.count == 1 ? 0 : nil }
        guard utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = UInt64(key), value < UInt64(UInt32.max)
        else { return nil }
        return UInt32(value)
    }
}
