import CanonicalJSON

/// Writes a JSON-like value as block YAML the way the Kapso CLI's `workflow.yaml` is written
/// (the `yaml` npm package with default options): keys sorted, two-space indent, sequences indented
/// under their key, strings plain unless plain YAML would read them as something else.
///
/// Known divergence: a multi-line string with a line over 80 columns is written as a literal
/// block (`|`) where the library would choose a folded block (`>`); both read back as the same string.
public enum CanonicalYAMLWriter {
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        Array(canonicalString(value).utf8)
    }

    public static func canonicalString(_ value: JSONValue) -> String {
        let lines: [String]
        switch value {
        case .object(let object) where !object.isEmpty:
            lines = mappingLines(object, indent: 0)
        case .array(let array) where !array.isEmpty:
            lines = sequenceLines(array, indent: 0)
        default:
            lines = [YAMLScalarWriter.scalar(value, indent: 0, indentAtStart: 0)]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func mappingLines(_ object: [String: JSONValue], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for key in JavaScriptKeyOrder.sorted(object.keys) {
            let value = object[key]!
            let keyText = YAMLScalarWriter.key(key)
            switch value {
            case .object(let child) where !child.isEmpty:
                lines.append(pad + keyText + ":")
                lines.append(contentsOf: mappingLines(child, indent: indent + 2))
            case .array(let child) where !child.isEmpty:
                lines.append(pad + keyText + ":")
                lines.append(contentsOf: sequenceLines(child, indent: indent + 2))
            default:
                let scalar = YAMLScalarWriter.scalar(value, indent: indent + 2, indentAtStart: keyText.utf16.count + 2)
                lines.append(pad + keyText + ": " + scalar)
            }
        }
        return lines
    }

    private static func sequenceLines(_ array: [JSONValue], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for item in array {
            switch item {
            case .object(let child) where !child.isEmpty:
                var itemLines = mappingLines(child, indent: indent + 2)
                itemLines[0] = pad + "- " + itemLines[0].dropFirst(indent + 2)
                lines.append(contentsOf: itemLines)
            case .array(let child) where !child.isEmpty:
                var itemLines = sequenceLines(child, indent: indent + 2)
                itemLines[0] = pad + "- " + itemLines[0].dropFirst(indent + 2)
                lines.append(contentsOf: itemLines)
            default:
                lines.append(pad + "- " + YAMLScalarWriter.scalar(item, indent: indent + 2, indentAtStart: indent + 2))
            }
        }
        return lines
    }
}
