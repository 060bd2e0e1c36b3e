import CanonicalJSON
import Yams

/// Converts a composed YAML node to a JSON value under the YAML 1.2 core schema: quoted scalars
/// stay strings (`"990310140831998"`), plain ones resolve to null, booleans and numbers.
public enum YAMLNodeConverter {
    public struct ConversionError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses YAML text into a JSON value; an empty document is null. `json(from:)` resolves plain
    /// scalars itself, so Yams's own resolver (regular expressions run on every scalar and mapping key)
    /// is the basic one, which only checks for duplicate keys; with it, `1` and `"1"` are one key, as
    /// they are in the JSON this becomes. The encoding is named because Yams's default reads the
    /// whole process environment on every parse. Together they were three fifths of a parse (profile).
    public static func parse(_ text: String) throws -> JSONValue {
        guard let node = try Yams.compose(yaml: text, .basic, .default, .utf8) else { return .null }
        return try json(from: node)
    }

    public static func json(from node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            let text = scalar.string
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if let number = try? JSONParser.parse(text), case .number = number { return number }
            return .string(text)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw ConversionError(description: "mapping keys must be scalars") }
                object[keyScalar.string] = try json(from: value)
            }
            return .object(object)
        case .sequence(let sequence):
            return .array(try sequence.map { try json(from: $0) })
        case .alias:
            throw ConversionError(description: "YAML aliases are not supported")
        }
    }
}
