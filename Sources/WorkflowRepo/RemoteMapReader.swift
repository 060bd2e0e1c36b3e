import CanonicalJSON

/// Reads `.kapso/remote-map.json` straight into entries, member by member, without a `JSONValue` tree
/// of the whole map: every cycle that is not a repeat reads the map, and at 10,000 workflows the tree
/// and the walk over it were an eighth of such a cycle's CPU time.
///
/// It reads the shape a map has, and gives what `RemoteMap(document:)` gives for it. Anything else (a
/// section or an entry that is not an object, an id that is not a string, a key given twice, not JSON
/// at all) answers nil, and the map is read as a document, which names what is wrong.
enum RemoteMapReader {
    struct Contents {
        var workflows: [String: RemoteMap.Entry] = [:]
        var functions: [String: RemoteMap.Entry] = [:]
        var extra: [String: JSONValue] = [:]
        var hasFunctionsSection = false
        /// Where each workflow entry's value lies in the bytes read (`{` to `}`), when asked for.
        var workflowRanges: [String: Range<Int>] = [:]
    }

    /// `ranges`: note where each workflow entry lies, so that the bytes of an entry that has not changed
    /// can be written again as they are.
    static func read(_ bytes: [UInt8], ranges: Bool = false) -> Contents? {
        try? JSONParser.reading(bytes) { (parser: inout JSONParser) throws(JSONParseError) -> Contents in
            var contents = Contents()
            var workflowsRead = false
            try parser.readObject { (parser: inout JSONParser, key: String) throws(JSONParseError) in
                switch key {
                case "workflows":
                    guard !workflowsRead else { throw parser.mismatch("workflows given twice") }
                    workflowsRead = true
                    // A workflow's entry is 400–500 bytes as laid out: room for all of them from the start.
                    (contents.workflows, contents.workflowRanges) = try section(&parser, ranges: ranges, expected: bytes.count / 400)
                case "functions":
                    guard !contents.hasFunctionsSection else { throw parser.mismatch("functions given twice") }
                    contents.hasFunctionsSection = true
                    contents.functions = try section(&parser, ranges: false, expected: 0).entries
                default:
                    guard contents.extra[key] == nil else { throw parser.mismatch("\(key) given twice") }
                    contents.extra[key] = try parser.readValue()
                }
            }
            return contents
        }
    }

    private static func section(
        _ parser: inout JSONParser, ranges: Bool, expected: Int
    ) throws(JSONParseError) -> (entries: [String: RemoteMap.Entry], ranges: [String: Range<Int>]) {
        var entries: [String: RemoteMap.Entry] = [:]
        entries.reserveCapacity(expected)
        var entryRanges: [String: Range<Int>] = [:]
        if ranges { entryRanges.reserveCapacity(expected) }
        try parser.readObject { (parser: inout JSONParser, slug: String) throws(JSONParseError) in
            let start = parser.offset
            guard entries.updateValue(try entry(&parser, slug: slug), forKey: slug) == nil else {
                throw parser.mismatch("\(slug) given twice")
            }
            if ranges { entryRanges[slug] = start..<parser.offset }
        }
        return (entries, entryRanges)
    }

    /// The members an entry holds in fields of its own, each read once.
    private struct Known: OptionSet {
        let rawValue: UInt8
        static let id = Known(rawValue: 1 << 0)
        static let slug = Known(rawValue: 1 << 1)
        static let lockVersion = Known(rawValue: 1 << 2)
        static let status = Known(rawValue: 1 << 3)
        static let updatedAt = Known(rawValue: 1 << 4)
        static let files = Known(rawValue: 1 << 5)
    }

    private static func entry(_ parser: inout JSONParser, slug: String) throws(JSONParseError) -> RemoteMap.Entry {
        var id: String?
        var recordedSlug: String?
        var lockVersion: Int?
        var status: String?
        var updatedAt: String?
        var files: [String: String] = [:]
        var extra: [String: JSONValue] = [:]
        var seen: Known = []
        try parser.readObject { (parser: inout JSONParser, key: String) throws(JSONParseError) in
            let field: Known? =
                switch key {
                case "id": .id
                case "slug": .slug
                case "lockVersion": .lockVersion
                case "status": .status
                case "updatedAt": .updatedAt
                case "files": .files
                default: nil
                }
            guard let field else {
                guard extra[key] == nil else { throw parser.mismatch("\(key) given twice") }
                extra[key] = try parser.readValue()
                return
            }
            guard seen.insert(field).inserted else { throw parser.mismatch("\(key) given twice") }
            switch field {
            case .id: id = try parser.readString()
            case .slug: recordedSlug = try parser.readValue().stringValue
            case .lockVersion: lockVersion = try parser.readValue().numberValue?.intValue
            case .status: status = try parser.readValue().stringValue
            case .updatedAt: updatedAt = try parser.readValue().stringValue
            default:
                // A `files` that is not an object records no file, as in `RemoteMap(document:)`.
                guard parser.nextIsObject() else {
                    _ = try parser.readValue()
                    return
                }
                try parser.readObject { (parser: inout JSONParser, path: String) throws(JSONParseError) in
                    // The CLI on Windows records paths with backslashes.
                    let repositoryPath = path.replacingBackslashes()
                    guard files[repositoryPath] == nil else { throw parser.mismatch("\(path) given twice") }
                    files[repositoryPath] = try parser.readValue().stringValue ?? ""
                }
            }
        }
        guard let id else { throw parser.mismatch("id is missing") }
        return RemoteMap.Entry(
            id: id, slug: recordedSlug ?? slug, lockVersion: lockVersion, status: status, updatedAt: updatedAt, files: files,
            extra: extra.isEmpty ? extra : RemoteMap.withRepositoryPaths(extra))
    }
}
