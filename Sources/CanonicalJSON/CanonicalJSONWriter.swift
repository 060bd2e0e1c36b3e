/// Writes JSON exactly as the Kapso CLI does: `JSON.stringify(sortKeysDeep(value), null, 2) + "\n"`.
public enum CanonicalJSONWriter {
    /// The canonical file bytes: two-space indent, sorted keys, JavaScript numbers, one trailing newline.
    public static func canonicalBytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(value, indent: 0, pretty: true, into: &output)
        output.append(0x0A)
        return output
    }

    public static func canonicalString(_ value: JSONValue) -> String {
        String(decoding: canonicalBytes(value), as: UTF8.self)
    }

    /// `compactBytes` as text: one line, for showing a value to a person.
    public static func compactString(_ value: JSONValue) -> String {
        String(decoding: compactBytes(value), as: UTF8.self)
    }

    /// `JSON.stringify(value)` with sorted keys and no whitespace, for request bodies.
    public static func compactBytes(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, indent: 0, pretty: false, into: &output)
        return output
    }

    /// `value` as `canonicalBytes` lays it out at nesting level `indent` (no trailing newline), for a
    /// writer that assembles a document from parts it keeps.
    public static func appendCanonical(_ value: JSONValue, indent: Int, to output: inout [UInt8]) {
        write(value, indent: indent, pretty: true, into: &output)
    }

    /// An object's members while it is written, innermost object last: one array for the whole
    /// document, where an array per object cost an allocation each (6% of writing a workflow).
    private typealias Members = [(key: String, value: JSONValue)]

    private static func write(_ value: JSONValue, indent: Int, pretty: Bool, into output: inout [UInt8]) {
        var members: Members = []
        members.reserveCapacity(64)
        write(value, indent: indent, pretty: pretty, into: &output, members: &members)
    }

    private static func write(_ value: JSONValue, indent: Int, pretty: Bool, into output: inout [UInt8], members: inout Members) {
        switch value {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let bool):
            output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .number(let number):
            output.append(contentsOf: JavaScriptNumberFormatter.jsonText(forLiteral: number.literal).utf8)
        case .string(let string):
            writeString(string, into: &output)
        case .array(let array):
            if array.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (position, element) in array.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent: indent + 1, pretty: pretty, into: &output)
                write(element, indent: indent + 1, pretty: pretty, into: &output, members: &members)
            }
            newline(indent: indent, pretty: pretty, into: &output)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty {
                output.append(contentsOf: "{}".utf8)
                return
            }
            output.append(UInt8(ascii: "{"))
            let first = members.count
            if object.keys.contains(where: { JavaScriptKeyOrder.arrayIndex($0) != nil }) {
                members.append(contentsOf: JavaScriptKeyOrder.sortedEntries(object))
            } else {
                members.append(contentsOf: object)
                members.withUnsafeMutableBufferPointer { all in
                    var own = UnsafeMutableBufferPointer(rebasing: all[first...])
                    own.sort { JavaScriptKeyOrder.precedes($0.key, $1.key) }
                }
            }
            for position in first..<members.count {
                if position > first { output.append(UInt8(ascii: ",")) }
                newline(indent: indent + 1, pretty: pretty, into: &output)
                writeString(members[position].key, into: &output)
                output.append(UInt8(ascii: ":"))
                if pretty { output.append(UInt8(ascii: " ")) }
                let member = members[position].value
                write(member, indent: indent + 1, pretty: pretty, into: &output, members: &members)
            }
            members.removeSubrange(first...)
            newline(indent: indent, pretty: pretty, into: &output)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(indent: Int, pretty: Bool, into output: inout [UInt8]) {
        guard pretty else { return }
        output.append(0x0A)
        // Repeated spaces, not a slice of an array of them: a slice retains and releases its array,
        // and this runs for every line of every file.
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// `string` as a JSON string literal, for a writer that lays out a document of its own.
    public static func appendQuoted(_ string: String, to output: inout [UInt8]) {
        writeString(string, into: &output)
    }

    /// ECMAScript QuoteJSONString: only `"`, `\` and control characters are escaped; all else is raw UTF-8.
    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = string
        // One pass over contiguous bytes, and one copy, for the usual string with nothing to escape.
        let copied = text.withUTF8 { bytes in
            guard !bytes.contains(where: needsEscape) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if copied {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: "\\\\".utf8)
            case 0x08: output.append(contentsOf: "\\b".utf8)
            case 0x09: output.append(contentsOf: "\\t".utf8)
            case 0x0A: output.append(contentsOf: "\\n".utf8)
            case 0x0C: output.append(contentsOf: "\\f".utf8)
            case 0x0D: output.append(contentsOf: "\\r".utf8)
            case 0..<0x20:
                let hexDigits = Array("0123456789abcdef".utf8)
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
