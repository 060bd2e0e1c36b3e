/// Why a document is not JSON, with the place (1-based line and column) where the parser stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let line: Int
    public let column: Int

    public init(reason: String, line: Int, column: Int) {
        self.reason = reason
        self.line = line
        self.column = column
    }

    public var description: String { "invalid JSON at line \(line), column \(column): \(reason)" }
}
