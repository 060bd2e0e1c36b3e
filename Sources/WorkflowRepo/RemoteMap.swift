import CanonicalJSON

/// `.kapso/remote-map.json`, the sync base: for each workflow and each function (keyed by slug, as the
/// CLI does) its id, the `lock_version` and `updated_at` last synced, and the sha256 of each file as last
/// synced. Fields this service does not know (the CLI's `generatedSource`, `sourceFile`,
/// `lastDeployedAt`) are kept.
public struct RemoteMap: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var slug: String
        public var lockVersion: Int?
        public var status: String?
        public var updatedAt: String?
        /// Repository path → sha256 of the canonical bytes last synced.
        public var files: [String: String]
        public var extra: [String: JSONValue]

        public init(
            id: String, slug: String, lockVersion: Int?, status: String?, updatedAt: String?, files: [String: String],
            extra: [String: JSONValue] = [:]
        ) {
            self.id = id
            self.slug = slug
            self.lockVersion = lockVersion
            self.status = status
            self.updatedAt = updatedAt
            self.files = files
            self.extra = extra
        }
    }

    /// Entries by slug, and the slug of each id: identity is the id, and every cycle looks entries up by it.
    struct Index: Sendable, Equatable {
        private(set) var entries: [String: Entry]
        private(set) var slugByID: [String: String]

        init(_ entries: [String: Entry]) {
            self.entries = entries
            slugByID = Dictionary(entries.map { ($0.value.id, $0.key) }, uniquingKeysWith: { first, _ in first })
        }

        func entry(forID id: String) -> Entry? { slugByID[id].flatMap { entries[$0] } }

        /// Records `entry` under its slug, replacing whatever the index held for that slug or that id.
        mutating func set(_ entry: Entry) {
            if let oldSlug = slugByID[entry.id], oldSlug != entry.slug { entries.removeValue(forKey: oldSlug) }
            if let displaced = entries[entry.slug], displaced.id != entry.id { slugByID.removeValue(forKey: displaced.id) }
            entries[entry.slug] = entry
            slugByID[entry.id] = entry.slug
        }

        mutating func remove(slug: String) {
            guard let entry = entries.removeValue(forKey: slug) else { return }
            if slugByID[entry.id] == slug { slugByID.removeValue(forKey: entry.id) }
        }
    }

    private var workflowIndex: Index
    private var functionIndex: Index
    /// Workflow entries by slug (the folder name, as the CLI keys them).
    public var workflows: [String: Entry] { workflowIndex.entries }
    /// Slug by workflow id.
    public var slugByID: [String: String] { workflowIndex.slugByID }
    /// Function entries by slug (the folder under `functions/`).
    public var functions: [String: Entry] { functionIndex.entries }
    public var extra: [String: JSONValue]
    /// Whether the file had a `functions` section: a map without one is written back without one.
    private var hasFunctionsSection: Bool

    public init(workflows: [String: Entry] = [:], functions: [String: Entry] = [:], extra: [String: JSONValue] = [:]) {
        workflowIndex = Index(workflows)
        functionIndex = Index(functions)
        self.extra = extra
        hasFunctionsSection = !functions.isEmpty
    }

    public func entry(forID id: String) -> Entry? { workflowIndex.entry(forID: id) }
    /// `entry(forID:) != nil` without copying the entry.
    public func hasWorkflow(id: String) -> Bool { workflowIndex.slugByID[id] != nil }
    /// Records a workflow's `entry` under its slug, replacing whatever the map held for that slug or that id.
    public mutating func set(_ entry: Entry) { workflowIndex.set(entry) }
    public mutating func remove(slug: String) { workflowIndex.remove(slug: slug) }

    public func function(forID id: String) -> Entry? { functionIndex.entry(forID: id) }
    /// Records a function's `entry` under its slug, replacing whatever the map held for that slug or that id.
    public mutating func setFunction(_ entry: Entry) { functionIndex.set(entry) }
    public mutating func removeFunction(slug: String) { functionIndex.remove(slug: slug) }

    /// The map a file holds. The file is read straight into entries (`RemoteMapReader`); one of a shape
    /// that reader does not take is read as a document, which names what is wrong with it.
    public init(bytes: [UInt8]) throws(LayoutError) {
        if let contents = RemoteMapReader.read(bytes) {
            self.init(contents)
        } else {
            try self.init(document: Self.document(bytes))
        }
    }

    /// The map in bytes this writer laid out, `canonicalBytes` of some map (the caller knows: they are a
    /// blob it wrote, of the same `layout`); each workflow entry's bytes go into `laidOut`, so that writing
    /// the map again lays out only the entries that changed. Bytes of any other shape are read as by
    /// `init(bytes:)`, and `laidOut` is left empty.
    public init(bytes: [UInt8], laidOut: inout WrittenEntries) throws(LayoutError) {
        laidOut = WrittenEntries()
        guard let contents = RemoteMapReader.read(bytes, ranges: true) else {
            try self.init(document: Self.document(bytes))
            return
        }
        self.init(contents)
        laidOut = WrittenEntries(entries: contents.workflows, bytes: bytes, ranges: contents.workflowRanges)
    }

    /// The file parsed whole, for a shape `RemoteMapReader` does not take; not JSON is an error naming the file.
    private static func document(_ bytes: [UInt8]) throws(LayoutError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw .invalidFile(path: RepositoryLayout.remoteMap, detail: error.description)
        }
    }

    /// The map a parsed remote-map document holds.
    public init(document: JSONValue) throws(LayoutError) {
        guard var root = document.objectValue else {
            throw .invalidFile(path: RepositoryLayout.remoteMap, detail: "not a JSON object")
        }
        let workflows = try Self.entries(root.removeValue(forKey: "workflows"), section: "workflows")
        let functionsSection = root.removeValue(forKey: "functions")
        let functions = try Self.entries(functionsSection, section: "functions")
        self.init(
            RemoteMapReader.Contents(
                workflows: workflows, functions: functions, extra: root, hasFunctionsSection: functionsSection != nil))
    }

    init(_ contents: RemoteMapReader.Contents) {
        workflowIndex = Index(contents.workflows)
        functionIndex = Index(contents.functions)
        extra = contents.extra
        hasFunctionsSection = contents.hasFunctionsSection
    }

    private static func entries(_ section: JSONValue?, section name: String) throws(LayoutError) -> [String: Entry] {
        let path = RepositoryLayout.remoteMap
        guard let section else { return [:] }
        guard let object = section.objectValue else { throw .invalidFile(path: path, detail: "\(name) is not an object") }
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(object.count)
        for (slug, value) in object {
            // Read without removing: the fields are shared with the parsed document, and removing one
            // copied the whole entry.
            guard let fields = value.objectValue else { throw .invalidFile(path: path, detail: "\(name).\(slug) is not an object") }
            guard let id = fields["id"]?.stringValue else {
                throw .invalidFile(path: path, detail: "\(name).\(slug).id is missing")
            }
            var files: [String: String] = [:]
            if let fileObject = fields["files"]?.objectValue {
                files.reserveCapacity(fileObject.count)
                for (filePath, hash) in fileObject {
                    // The CLI on Windows records paths with backslashes; one path given both ways is
                    // two hashes for one file, and neither is taken over the other.
                    let repositoryPath = filePath.replacingBackslashes()
                    guard files[repositoryPath] == nil else {
                        throw .invalidFile(path: path, detail: "\(name).\(slug).files names \(repositoryPath) twice")
                    }
                    files[repositoryPath] = hash.stringValue ?? ""
                }
            }
            let lockVersion = fields["lockVersion"]?.numberValue?.intValue
            let status = fields["status"]?.stringValue
            let updatedAt = fields["updatedAt"]?.stringValue
            let recordedSlug = fields["slug"]?.stringValue ?? slug
            var extra: [String: JSONValue] = [:]
            if fields.keys.contains(where: { !Self.entryKeys.contains($0) }) {
                extra = Self.withRepositoryPaths(fields.filter { !Self.entryKeys.contains($0.key) })
            }
            entries[slug] = Entry(
                id: id, slug: recordedSlug, lockVersion: lockVersion, status: status, updatedAt: updatedAt, files: files, extra: extra)
        }
        return entries
    }

    /// An entry's other members with the source fields' paths written as git names them: the CLI on
    /// Windows records paths with backslashes.
    static func withRepositoryPaths(_ extra: [String: JSONValue]) -> [String: JSONValue] {
        var extra = extra
        for key in ["generatedSource", "sourceFile"] {
            guard case .object(var source)? = extra[key], let sourcePath = source["path"]?.stringValue else { continue }
            source["path"] = .string(sourcePath.replacingBackslashes())
            extra[key] = .object(source)
        }
        return extra
    }

    /// The members of an entry that `Entry` holds in fields of its own; any other is kept in `extra`.
    static let entryKeys: Set<String> = ["id", "files", "lockVersion", "status", "updatedAt", "slug"]

    public func canonicalBytes() -> [UInt8] {
        var unused = WrittenEntries()
        return canonicalBytes(reusing: &unused)
    }

    /// The workflow entries as last written, the bytes they were written in and where each lies: a cycle
    /// that changes a few workflows of thousands lays out only those (at 10,000 workflows, laying out
    /// every entry took 35 ms). The three share storage with the map and the file they came from.
    public struct WrittenEntries: Sendable {
        var entries: [String: Entry] = [:]
        var bytes: [UInt8] = []
        var ranges: [String: Range<Int>] = [:]
        public init() {}

        init(entries: [String: Entry], bytes: [UInt8], ranges: [String: Range<Int>]) {
            self.entries = entries
            self.bytes = bytes
            self.ranges = ranges
        }

        public var isEmpty: Bool { ranges.isEmpty }

        /// The bytes `entry` was written in under `slug`, if it was written as it is now.
        func bytes(of entry: Entry, slug: String) -> ArraySlice<UInt8>? {
            guard let range = ranges[slug], entries[slug] == entry else { return nil }
            return bytes[range]
        }
    }

    /// The layout `canonicalBytes` writes. Bytes kept as laid out by this writer (`init(bytes:laidOut:)`)
    /// are only taken for this layout: a release that changes how an entry is written changes it.
    public static let layout = 1

    /// The canonical file, the same bytes as `CanonicalJSONWriter.canonicalBytes` of the whole map, with
    /// the workflow entries unchanged since `written` was filled taken from it; `written` is updated.
    public func canonicalBytes(reusing written: inout WrittenEntries) -> [UInt8] {
        var root = extra
        root["version"] = root["version"] ?? 1
        let writesFunctions = hasFunctionsSection || !functions.isEmpty
        // Placeholders that fix the members' order; the two sections are written below.
        root["workflows"] = .null
        if writesFunctions { root["functions"] = .null }
        var output: [UInt8] = []
        output.reserveCapacity(max(written.bytes.count + written.bytes.count / 8, 4096))
        output.append(UInt8(ascii: "{"))
        var ranges: [String: Range<Int>] = [:]
        ranges.reserveCapacity(workflows.count)
        for (position, member) in JavaScriptKeyOrder.sortedEntries(root).enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: "\n  ".utf8)
            CanonicalJSONWriter.appendQuoted(member.key, to: &output)
            output.append(contentsOf: ": ".utf8)
            switch member.key {
            case "workflows":
                Self.appendSection(workflows, to: &output) { slug, entry, output in
                    let start = output.count
                    if let bytes = written.bytes(of: entry, slug: slug) {
                        output.append(contentsOf: bytes)
                    } else {
                        Self.appendEntry(entry, to: &output)
                    }
                    ranges[slug] = start..<output.count
                }
            case "functions" where writesFunctions:
                Self.appendSection(functions, to: &output) { _, entry, output in Self.appendEntry(entry, to: &output) }
            default:
                CanonicalJSONWriter.appendCanonical(member.value, indent: 1, to: &output)
            }
        }
        output.append(contentsOf: "\n}\n".utf8)
        written = WrittenEntries(entries: workflows, bytes: output, ranges: ranges)
        return output
    }

    /// A section as the object member of the root it is.
    private static func appendSection(
        _ entries: [String: Entry], to output: inout [UInt8], entry appendEntry: (String, Entry, inout [UInt8]) -> Void
    ) {
        appendObject(sortedKeys: JavaScriptKeyOrder.sorted(entries.keys), level: 1, to: &output) { slug, output in
            appendEntry(slug, entries[slug]!, &output)
        }
    }

    /// An entry as the canonical writer lays it out inside its section, written member by member: a
    /// process that commits lays out every entry of the map, and at 10,000 workflows making a
    /// `JSONValue` of each first took 40 ms. `RemoteMapTests` holds it to the canonical writer's bytes.
    /// Laying an entry out otherwise is a new `layout`.
    private static func appendEntry(_ entry: Entry, to bytes: inout [UInt8]) {
        let own = ownKeys.filter { key in (key != "status" || entry.status != nil) && (key != "updatedAt" || entry.updatedAt != nil) }
        let keys = entry.extra.isEmpty ? own : JavaScriptKeyOrder.sorted(Set(entry.extra.keys).union(own))
        appendObject(sortedKeys: keys, level: 2, to: &bytes) { key, bytes in
            switch (key, entry.status, entry.updatedAt) {
            case ("id", _, _): CanonicalJSONWriter.appendQuoted(entry.id, to: &bytes)
            case ("slug", _, _): CanonicalJSONWriter.appendQuoted(entry.slug, to: &bytes)
            case ("lockVersion", _, _): bytes.append(contentsOf: (entry.lockVersion.map(String.init) ?? "null").utf8)
            case ("status", let status?, _): CanonicalJSONWriter.appendQuoted(status, to: &bytes)
            case ("updatedAt", _, let updatedAt?): CanonicalJSONWriter.appendQuoted(updatedAt, to: &bytes)
            case ("files", _, _):
                appendObject(sortedKeys: JavaScriptKeyOrder.sorted(entry.files.keys), level: 3, to: &bytes) { path, bytes in
                    CanonicalJSONWriter.appendQuoted(entry.files[path]!, to: &bytes)
                }
            default: CanonicalJSONWriter.appendCanonical(entry.extra[key]!, indent: 3, to: &bytes)
            }
        }
    }

    /// The members `Entry` holds in fields of its own, in JavaScript's order: an entry without other
    /// members (nearly all) need not sort its keys.
    private static let ownKeys = JavaScriptKeyOrder.sorted(entryKeys)

    /// An object as the canonical writer lays it out at nesting level `level`: `{}` when empty, else
    /// one member per line, the keys (in JavaScript's order) each with the value `value` writes.
    private static func appendObject(
        sortedKeys sorted: [String], level: Int, to output: inout [UInt8], value: (String, inout [UInt8]) -> Void
    ) {
        guard !sorted.isEmpty else { return output.append(contentsOf: "{}".utf8) }
        let memberIndent = "\n" + String(repeating: " ", count: 2 * (level + 1))
        output.append(UInt8(ascii: "{"))
        for (position, key) in sorted.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: memberIndent.utf8)
            CanonicalJSONWriter.appendQuoted(key, to: &output)
            output.append(contentsOf: ": ".utf8)
            value(key, &output)
        }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
        output.append(UInt8(ascii: "}"))
    }
}

extension String {
    func replacingBackslashes() -> String {
        guard utf8.contains(UInt8(ascii: "\\")) else { return self }
        return String(map { $0 == "\\" ? "/" : $0 })
    }
}
