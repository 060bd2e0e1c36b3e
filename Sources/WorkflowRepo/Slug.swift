/// A workflow slug that is safe to use as a folder name: Kapso's pattern `^[a-z0-9]+(?:-[a-z0-9]+)*$`,
/// at most 100 characters. Anything else from the API (`..`, `/`, spaces) is refused before it becomes a path.
public struct Slug: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let maximumLength = 100
    public let value: String

    public init(_ value: String) throws(LayoutError) {
        guard Self.isValid(value) else { throw LayoutError.invalidSlug(value) }
        self.value = value
    }

    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength, bytes.first != UInt8(ascii: "-"),
            bytes.last != UInt8(ascii: "-")
        else { return false }
        var previousWasHyphen = false
        for byte in bytes {
            let isLowerAlphanumeric =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            if byte == UInt8(ascii: "-") {
                if previousWasHyphen { return false }
                previousWasHyphen = true
            } else if isLowerAlphanumeric {
                previousWasHyphen = false
            } else {
                return false
            }
        }
        return true
    }

    public var description: String { value }
    public static func < (lhs: Slug, rhs: Slug) -> Bool { lhs.value < rhs.value }
}
