import CanonicalJSON

/// One true conflict of a three-way merge: both sides changed the same field to different values.
/// `nil` on a side: that side deleted it.
public struct MergeConflict: Sendable, Equatable, CustomStringConvertible {
    /// Where: `node step_2: data.config.message`, `edge start → step_1 (next)`, `trigger api_call`, `name`.
    public let location: String
    public let ours: JSONValue?
    public let theirs: JSONValue?

    public init(location: String, ours: JSONValue?, theirs: JSONValue?) {
        self.location = location
        self.ours = ours
        self.theirs = theirs
    }

    public var description: String {
        "\(location): git has \(Self.shown(ours)), Kapso has \(Self.shown(theirs))"
    }

    static func shown(_ value: JSONValue?) -> String {
        guard let value else { return "it deleted" }
        var text = CanonicalJSONWriter.canonicalString(value)
        while text.last?.isNewline == true { text.removeLast() }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}
