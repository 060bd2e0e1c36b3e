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

/// A problem with the repository layout or with data that is about to become files.
public enum LayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSlug(String)
    case invalidFile(path: String, detail: String)
    /// `workflow.yaml` names another slug than its folder: a moved folder, or a copy.
    case slugDiffersFromFolder(path: String, slug: String, folder: String)

    public var description: String {
        switch self {
        case .slugDiffersFromFolder(let path, let slug, let folder):
            "\(path): slug \(Self.quoted(slug)) differs from its folder \(folder)"
        case .invalidSlug(let slug):
            "slug \(Self.quoted(slug)) is not a safe folder name (lowercase letters, digits and single hyphens, at most \(Slug.maximumLength) characters)"
        case .invalidFile(let path, let detail): "\(path): \(detail)"
        }
    }

    /// Shows hostile input without letting control characters through to a terminal or log.
    static func quoted(_ text: String) -> String {
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return "\"" + shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined() + "\""
    }
}
