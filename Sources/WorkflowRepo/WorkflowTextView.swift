import CanonicalJSON
import Foundation
import KapsoYAML

/// A workflow file as lines a person reviews, for `git diff` (`kapso-gitsync textconv`): one header
/// line per node, edge and trigger, then one line per field (`config.message: "Hola"`), long texts one
/// line each (`  | …`), and a node's position on a line of its own, so a moved node is one changed
/// line and a prompt edit shows only the lines that changed. Values that look like credentials are
/// masked (`SecretMask`).
public enum WorkflowTextView {
    /// `definition.json` or `workflow.yaml`, told by the file's name, or else by its first character
    /// (git may hand a diff driver a temporary file).
    public static func render(fileName: String, bytes: [UInt8]) throws -> String {
        let firstCharacter = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let isYAML = fileName.hasSuffix(".yaml") || fileName.hasSuffix(".yml")
        if fileName.hasSuffix(".json") || (!isYAML && firstCharacter == UInt8(ascii: "{")) {
            guard let object = try JSONParser.parse(bytes).objectValue else { throw ViewError(message: "\(fileName): not a JSON object") }
            return definition(object)
        }
        do {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw ViewError(message: "\(fileName): not UTF-8") }
            guard let object = try YAMLNodeConverter.parse(text).objectValue else {
                throw ViewError(message: "\(fileName): not a YAML mapping")
            }
            return metadata(object)
        }
    }

    public struct ViewError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func definition(_ definition: [String: JSONValue]) -> String {
        var lines: [String] = []
        for node in definition["nodes"]?.arrayValue ?? [] {
            guard case .object(var fields) = node else { continue }
            let id = fields.removeValue(forKey: "id")?.stringValue ?? "?"
            let position = fields.removeValue(forKey: "position")
            var data = fields.removeValue(forKey: "data")?.objectValue ?? [:]
            let type = data.removeValue(forKey: "node_type")?.stringValue ?? fields["type"]?.stringValue ?? "?"
            let name = data.removeValue(forKey: "display_name")?.stringValue
            lines.append("node \(id) (\(type))" + (name.map { " \(quoted($0))" } ?? ""))
            if let config = data.removeValue(forKey: "config") { lines += field("config", config) }
            for (key, value) in data.sorted(by: { $0.key < $1.key }) { lines += field(key, value) }
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) where key != "type" || value != "flow-node" {
                lines += field(key, value)
            }
            if let x = position?["x"], let y = position?["y"] {
                lines.append("  position: \(scalar(x)), \(scalar(y))")
            } else if let position {
                lines += field("position", position)
            }
        }
        for edge in definition["edges"]?.arrayValue ?? [] {
            guard case .object(var fields) = edge else { continue }
            let source = fields.removeValue(forKey: "source")?.stringValue ?? "?"
            let target = fields.removeValue(forKey: "target")?.stringValue ?? "?"
            let label = fields.removeValue(forKey: "label")?.stringValue
            lines.append("edge \(source) → \(target)" + (label.map { " (\($0))" } ?? ""))
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) where key != "type" || value != "default" {
                lines += field(key, value)
            }
        }
        for (key, value) in definition.sorted(by: { $0.key < $1.key }) where key != "nodes" && key != "edges" {
            lines += field(key, value, indent: "")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func metadata(_ metadata: [String: JSONValue]) -> String {
        var lines: [String] = []
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != "triggers" {
            lines += field(key, value, indent: "")
        }
        for trigger in metadata["triggers"]?.arrayValue ?? [] {
            guard case .object(var fields) = trigger else { continue }
            let type = fields.removeValue(forKey: "triggerType")?.stringValue ?? "?"
            let active = fields.removeValue(forKey: "active")?.boolValue
            lines.append("trigger \(type)" + (active.map { $0 ? " (on)" : " (off)" } ?? ""))
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) { lines += field(key, value) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per leaf of `value`, under `path`; a multi-line text as one line per line.
    static func field(_ path: String, _ value: JSONValue, indent: String = "  ") -> [String] {
        let shown = SecretMask.masked(value, key: String(path.split(separator: ".").last ?? ""))
        switch shown {
        case .object(let object) where !object.isEmpty:
            return object.sorted(by: { $0.key < $1.key }).flatMap { field("\(path).\($0.key)", $0.value, indent: indent) }
        case .string(let text) where text.contains("\n"):
            return ["\(indent)\(path):"] + text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(indent)  | \($0)" }
        default:
            return ["\(indent)\(path): \(scalar(shown))"]
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        CanonicalJSONWriter.compactString(value)
    }

    static func quoted(_ text: String) -> String { scalar(.string(text)) }
}
