import CanonicalJSON
import Yams

/// Converts a composed YAML node to a JSON value under the YAML 1.2 core schema: quoted scalars
/// stay strings (`"990310140831998"`), plain ones resolve to null, booleans and numbers.
public enum YAMLNodeConverter {
    public struct ConversionError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses YAML text into a JSON value; an empty document is null.
    public static func parse(_ text: String) throws -> JSONValue {
        guard let node = try Yams.compose(yaml: text) else { return .null }
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
