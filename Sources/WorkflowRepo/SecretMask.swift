import CanonicalJSON

/// Masks values that look like credentials before a workflow is shown to a person (a diff, a review):
/// a field whose name says it holds one (`authorization`, `api_key`, `token`, `secret`, `password`…),
/// a `Bearer …` or `Basic …` value, and the user part of a URL (`https://user:pass@host`). Only what is
/// shown is masked; the files keep their values.
public enum SecretMask {
    static let mask = "••••••"
    static let secretNames = ["authorization", "apikey", "api_key", "api-key", "token", "secret", "password", "passwd", "credential"]
        .map { Array($0.utf8) }

    public static func masked(_ value: JSONValue, key: String) -> JSONValue {
        switch value {
        case .string(let text):
            if !text.isEmpty, secretNames.contains(where: { contains(key, $0) }) { return .string(mask) }
            return .string(maskedText(text))
        case .object(let object):
            var result: [String: JSONValue] = [:]
            for (field, inner) in object { result[field] = masked(inner, key: field) }
            return .object(result)
        case .array(let items):
            return .array(items.map { masked($0, key: key) })
        default:
            return value
        }
    }

    /// The paths (`nodes.agent.data.config.mcp_servers[0].headers.Authorization`) of the values that look
    /// like credentials: what `validate` warns about, since a secret committed to git stays in its history.
    public static func findings(_ value: JSONValue, path: String = "", key: String = "") -> [String] {
        switch value {
        case .object(let object):
            return object.sorted(by: { $0.key < $1.key }).flatMap { field in
                findings(field.value, path: path.isEmpty ? field.key : "\(path).\(field.key)", key: field.key)
            }
        case .array(let items):
            return items.enumerated().flatMap { index, item in
                // Nodes are named by id, not by their place in the list.
                let name = item["id"]?.stringValue.map { "\(path).\($0)" } ?? "\(path)[\(index)]"
                return findings(item, path: name, key: key)
            }
        case .string:
            return masked(value, key: key) == value ? [] : [path]
        default:
            return []
        }
    }

    /// A text with bearer tokens and URL credentials masked, the rest as it was.
    public static func maskedText(_ text: String) -> String {
        // Most texts hold neither: they are returned without being split into words.
        guard contains(text, Array("://".utf8)) || contains(text, Array("bearer".utf8)) || contains(text, Array("basic".utf8)) else {
            return text
        }
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for index in words.indices {
            let word = words[index]
            if index > 0, ["bearer", "basic"].contains(words[index - 1].lowercased()), !word.isEmpty {
                words[index] = mask
            } else if let scheme = word.range(of: "://"), let at = word.range(of: "@", range: scheme.upperBound..<word.endIndex),
                !word[scheme.upperBound..<at.lowerBound].contains("/")
            {
                words[index] = String(word[..<scheme.upperBound]) + mask + String(word[at.lowerBound...])
            }
        }
        return words.joined(separator: " ")
    }

    /// Whether `text` holds `needle` (lowercase ASCII), ignoring ASCII case: run for every key and text
    /// of a workflow, so it compares bytes rather than go through Foundation's locale-aware search.
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count, let first = needle.first else { return needle.isEmpty }
            var start = 0
            while start + needle.count <= bytes.count {
                if lowered(bytes[start]) == first {
                    var offset = 1
                    while offset < needle.count, lowered(bytes[start + offset]) == needle[offset] { offset += 1 }
                    if offset == needle.count { return true }
                }
                start += 1
            }
            return false
        }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}
