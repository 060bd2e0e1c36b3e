import CanonicalJSON

/// A workflow's source file (`workflow.js`, `workflow.ts`), which the Kapso CLI compiles into
/// `definition.json` on `kapso build` and `kapso push`. The remote-map records it in two fields:
/// `generatedSource` (the `workflow.js` a pull generated, and its sha256) and `sourceFile` (the source
/// and its sha256 as of the last sync). The hazard: a `definition.json` brought up to date while an old
/// source stays, which the next `kapso push` by a person compiles, reverting the change silently.
public enum WorkflowSource: Sendable, Equatable {
    /// No source recorded, or none in the repository: `definition.json` is the only truth.
    case none
    /// The pristine `workflow.js` a pull generated: derived from `definition.json`, never edited.
    case generated(path: String)
    /// Edited by a person, or TypeScript: the authority, which this service never changes. `unchanged`:
    /// the file is provably what it was at the last sync (its sha256 equals `sourceFile`'s).
    case authored(path: String, unchanged: Bool)

    public static let generatedSourceKey = "generatedSource"
    public static let sourceFileKey = "sourceFile"

    /// The source's path in the repository, as the remote-map entry records it (backslashes from
    /// Windows made slashes).
    public static func path(in extra: [String: JSONValue]) -> String? {
        let recorded = extra[sourceFileKey]?["path"]?.stringValue ?? extra[generatedSourceKey]?["path"]?.stringValue
        return recorded.map { $0.replacingBackslashes() }
    }

    /// What the source is, from the entry's fields and the sha256 of the file at `path(in:)` (nil: no
    /// such file).
    public static func classify(extra: [String: JSONValue], fileHash: String?) -> WorkflowSource {
        guard let path = path(in: extra), let fileHash else { return .none }
        let generated = extra[generatedSourceKey]?["hash"]?.stringValue
        let generatedPath = extra[generatedSourceKey]?["path"]?.stringValue.map { $0.replacingBackslashes() }
        let synced = extra[sourceFileKey]?["hash"]?.stringValue
        if path.hasSuffix(".js"), let generated, generatedPath == path, fileHash == generated, synced == nil || synced == generated {
            return .generated(path: path)
        }
        return .authored(path: path, unchanged: synced == fileHash)
    }

    /// The entry's fields without the source: what the CLI finds when it has never generated one, so
    /// that its next pull writes `workflow.js` again from the new `definition.json`.
    public static func withoutSource(_ extra: [String: JSONValue]) -> [String: JSONValue] {
        var extra = extra
        extra.removeValue(forKey: generatedSourceKey)
        extra.removeValue(forKey: sourceFileKey)
        return extra
    }
}
