import CanonicalJSON

/// Chooses and writes the style of one YAML scalar, following the `yaml` package's stringifyString.
enum YAMLScalarWriter {
    static func key(_ key: String) -> String {
        // Most keys are words (`triggerType`, `phone_number_id`): plain unless the core schema reads
        // them as null or a boolean. The checks below go character by character, and at 10,000
        // workflows they were most of the cost of writing `workflow.yaml`.
        if isWord(key) {
            return readsAsNonString(key) ? doubleQuoted(key) : key
        }
        if key.isEmpty || needsQuotes(key) || key.contains(where: { "\n[]{},".contains($0) }) || readsAsNonString(key)
            || hasControlCharacters(key)
        {
            return doubleQuoted(key)
        }
        return key
    }

    /// `indent` is the column of continuation lines; `indentAtStart` the width already used on the first line.
    static func scalar(_ value: JSONValue, indent: Int, indentAtStart: Int) -> String {
        switch value {
        case .null: return "null"
        case .bool(let bool): return bool ? "true" : "false"
        case .number(let number): return JavaScriptNumberFormatter.jsonText(forLiteral: number.literal)
        case .object: return "{}"
        case .array: return "[]"
        case .string(let string): return stringScalar(string, indent: indent, indentAtStart: indentAtStart)
        }
    }

    private static func stringScalar(_ value: String, indent: Int, indentAtStart: Int) -> String {
        if hasControlCharacters(value) {
            return foldedDoubleQuoted(value, indent: indent, indentAtStart: indentAtStart)
        }
        if value.isEmpty || needsQuotes(value) {
            if value.contains("\n") {
                return blockLiteral(value, indent: indent, indentAtStart: indentAtStart)
            }
            let hasDouble = value.contains("\"")
            let hasSingle = value.contains("'")
            if hasDouble && !hasSingle {
                return singleQuoted(value, indent: indent, indentAtStart: indentAtStart)
            }
            return foldedDoubleQuoted(value, indent: indent, indentAtStart: indentAtStart)
        }
        if value.contains("\n") {
            return blockLiteral(value, indent: indent, indentAtStart: indentAtStart)
        }
        if readsAsNonString(value) {
            return foldedDoubleQuoted(value, indent: indent, indentAtStart: indentAtStart)
        }
        return YAMLLineFolder.fold(value, indent: indent, mode: .flow, indentAtStart: indentAtStart)
    }

    /// An ASCII letter, then ASCII letters, digits and underscores: never an indicator, a number or
    /// anything to escape.
    static func isWord(_ text: String) -> Bool {
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next(), first | 0x20 >= 0x61, first | 0x20 <= 0x7A else { return false }
        while let byte = bytes.next() {
            let isLetter = byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A
            guard isLetter || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F else { return false }
        }
        return true
    }

    /// The `yaml` package's test for strings that cannot be plain: indicators at the start,
    /// `: ` or ` #` inside, white space or `:` at the end.
    static func needsQuotes(_ value: String) -> Bool {
        let scalars = Array(value.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return true }
        if "\n\t ,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return true }
        if first == "?" || first == "-" {
            if scalars.count == 1 { return true }
            if scalars[1] == " " || scalars[1] == "\t" { return true }
        }
        for (offset, scalar) in scalars.enumerated() where offset + 1 < scalars.count {
            let next = scalars[offset + 1]
            if (scalar == "\n" || scalar == ":") && (next == " " || next == "\t") { return true }
            if (scalar == " " || scalar == "\t") && next == "\n" { return true }
            if (scalar == "\n" || scalar == "\t" || scalar == " ") && next == "#" { return true }
        }
        return last == "\n" || last == "\t" || last == " " || last == ":"
    }

    /// Whether the YAML 1.2 core schema would resolve this plain text to null, a boolean or a number.
    static func readsAsNonString(_ value: String) -> Bool {
        switch value {
        case "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
            ".nan", ".NaN", ".NAN":
            return true
        default: break
        }
        var body = Substring(value)
        if body.hasPrefix("0o") { return body.count > 2 && body.dropFirst(2).allSatisfy { ("0"..."7").contains($0) } }
        if body.hasPrefix("0x") { return body.count > 2 && body.dropFirst(2).allSatisfy(\.isHexDigit) }
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if body == ".inf" || body == ".Inf" || body == ".INF" { return true }
        return isCoreFloatOrInt(body)
    }

    /// `[0-9]+`, `[0-9]+\.[0-9]*`, `\.[0-9]+`, each with an optional exponent.
    private static func isCoreFloatOrInt(_ text: Substring) -> Bool {
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        var mantissa = text
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            var exponent = text[text.index(after: e)...]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy(isDigit) else { return false }
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.allSatisfy({ $0.allSatisfy(isDigit) }) else { return false }
        if parts.count == 1 { return !parts[0].isEmpty }
        return !parts[0].isEmpty || !parts[1].isEmpty
    }

    static func hasControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { scalar in
            let v = scalar.value
            return v <= 0x08 || (0x0B...0x1F).contains(v) || (0x7F...0x9F).contains(v)
        }
    }

    private static func foldedDoubleQuoted(_ value: String, indent: Int, indentAtStart: Int) -> String {
        YAMLLineFolder.fold(doubleQuoted(value), indent: indent, mode: .quoted, indentAtStart: indentAtStart)
    }

    /// JSON.stringify's escaping, with YAML's shorter names for the escapes it has.
    static func doubleQuoted(_ value: String) -> String {
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x22: output += "\\\""
            case 0x5C: output += "\\\\"
            case 0x00: output += "\\0"
            case 0x07: output += "\\a"
            case 0x08: output += "\\b"
            case 0x09: output += "\\t"
            case 0x0A: output += "\\n"
            case 0x0B: output += "\\v"
            case 0x0C: output += "\\f"
            case 0x0D: output += "\\r"
            case 0x1B: output += "\\e"
            case 0x00...0x1F:
                let hex = String(scalar.value, radix: 16)
                output += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    private static func singleQuoted(_ value: String, indent: Int, indentAtStart: Int) -> String {
        let quoted = "'" + value.replacingAll("'", with: "''") + "'"
        return YAMLLineFolder.fold(quoted, indent: indent, mode: .flow, indentAtStart: indentAtStart)
    }

    /// The literal branch of the library's blockString: chomping and indentation indicators included.
    private static func blockLiteral(_ value: String, indent: Int, indentAtStart: Int) -> String {
        let trimmedTrailingSpace = value.last.map { $0 == " " || $0 == "\t" } ?? false
        let lastNewline = value.lastIndex(of: "\n")
        if value.allSatisfy({ $0.isWhitespace })
            || (trimmedTrailingSpace
                && lastNewline.map { value[value.index(after: $0)...].allSatisfy { $0 == " " || $0 == "\t" } } ?? false)
        {
            return foldedDoubleQuoted(value, indent: indent, indentAtStart: indentAtStart)
        }
        let pad = String(repeating: " ", count: indent)
        var header = "|"
        var body = Substring(value)
        // Trailing white space decides the chomping indicator.
        var trailingStart = body.endIndex
        while trailingStart > body.startIndex {
            let before = body.index(before: trailingStart)
            guard "\n\t ".contains(body[before]) else { break }
            trailingStart = before
        }
        let trailing = body[trailingStart...]
        var trailingKept = ""
        if let firstNewline = trailing.firstIndex(of: "\n") {
            if trailing.count == body.count || trailing.index(after: firstNewline) != trailing.endIndex {
                header += "+"
            }
            trailingKept = trailing.hasSuffix("\n") ? String(trailing.dropLast()) : String(trailing)
        } else {
            header += "-"
            trailingKept = String(trailing)
        }
        body = body[..<trailingStart]
        // Leading blank lines and spaces: an indentation indicator when the text starts with a space.
        var leadingEnd = body.startIndex
        while leadingEnd < body.endIndex, body[leadingEnd] == "\n" || body[leadingEnd] == " " { leadingEnd = body.index(after: leadingEnd) }
        let leading = body[..<leadingEnd]
        var leadingKept = ""
        if leading.contains(" ") { header += indent > 0 ? "2" : "1" }
        if let lastNonSpace = leading.lastIndex(where: { $0 != " " }) {
            leadingKept = String(leading[...lastNonSpace])
            body = body[leading.index(after: lastNonSpace)...]
        } else if leading.isEmpty {
            leadingKept = ""
        }
        let indentAfterNewlines: (String) -> String = { text in
            var result = ""
            var pendingNewline = false
            for character in text {
                if character == "\n" {
                    result.append(character)
                    pendingNewline = true
                } else {
                    if pendingNewline { result += pad }
                    pendingNewline = false
                    result.append(character)
                }
            }
            if pendingNewline { result += pad }
            return result
        }
        if !trailingKept.isEmpty {
            // The library indents after newline runs that are followed by more text only.
            var result = ""
            let characters = Array(trailingKept)
            for (offset, character) in characters.enumerated() {
                result.append(character)
                if character == "\n", offset + 1 < characters.count, characters[offset + 1] != "\n" { result += pad }
            }
            trailingKept = result
        }
        if !leadingKept.isEmpty { leadingKept = indentAfterNewlines(leadingKept) }
        if body.isEmpty { return header + "\n" + pad + trailingKept }
        return header + "\n" + pad + leadingKept + indentAfterNewlines(String(body)) + trailingKept
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
