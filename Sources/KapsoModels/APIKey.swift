import Foundation

/// The Kapso project API key. Its descriptions are redacted so that it cannot reach a log line
/// or an error message by accident; only the client reads `value`, to set the request header.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package let value: String

    public init(_ value: String) {
        self.value = value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Replaces any occurrence of the key in text from elsewhere (a server's error body, say).
    public func redact(_ text: String) -> String {
        guard value.count >= 4 else { return text }
        return text.replacingOccurrences(of: value, with: "[redacted]")
    }
}
