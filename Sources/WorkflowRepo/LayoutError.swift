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
