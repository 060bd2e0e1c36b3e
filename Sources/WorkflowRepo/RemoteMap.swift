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

    public init(bytes: [UInt8]) throws(LayoutError) {
        let path = RepositoryLayout.remoteMap
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw .invalidFile(path: path, detail: error.description)
        }
        guard var root = document.objectValue else { throw .invalidFile(path: path, detail: "not a JSON object") }
        let workflows = try Self.entries(root.removeValue(forKey: "workflows"), section: "workflows")
        let functionsSection = root.removeValue(forKey: "functions")
        let functions = try Self.entries(functionsSection, section: "functions")
        workflowIndex = Index(workflows)
        functionIndex = Index(functions)
        self.extra = root
        hasFunctionsSection = functionsSection != nil
    }

    private static func entries(_ section: JSONValue?, section name: String) throws(LayoutError) -> [String: Entry] {
        let path = RepositoryLayout.remoteMap
        guard let section else { return [:] }
        guard let object = section.objectValue else { throw .invalidFile(path: path, detail: "\(name) is not an object") }
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(object.count)
        for (slug, value) in object {
            // Read without removing: the fields are shared with the parsed document, and removing one
            // copied the whole entry (at 10,000 workflows, most of the time spent reading the map).
            guard let fields = value.objectValue else { throw .invalidFile(path: path, detail: "\(name).\(slug) is not an object") }
            guard let id = fields["id"]?.stringValue else {
                throw .invalidFile(path: path, detail: "\(name).\(slug).id is missing")
            }
            var files: [String: String] = [:]
            if let fileObject = fields["files"]?.objectValue {
                files.reserveCapacity(fileObject.count)
                for (filePath, hash) in fileObject {
                    // The CLI on Windows records paths with backslashes.
                    files[filePath.replacingBackslashes()] = hash.stringValue ?? ""
                }
            }
            let lockVersion = fields["lockVersion"]?.numberValue?.intValue
            let status = fields["status"]?.stringValue
            let updatedAt = fields["updatedAt"]?.stringValue
            let recordedSlug = fields["slug"]?.stringValue ?? slug
            var extra: [String: JSONValue] = [:]
            if fields.keys.contains(where: { !Self.entryKeys.contains($0) }) {
                extra = fields.filter { !Self.entryKeys.contains($0.key) }
                // The source fields' paths too, so that they name the files git has.
                for key in ["generatedSource", "sourceFile"] {
                    guard case .object(var source)? = extra[key], let sourcePath = source["path"]?.stringValue else { continue }
                    source["path"] = .string(sourcePath.replacingBackslashes())
                    extra[key] = .object(source)
                }
            }
            entries[slug] = Entry(
                id: id, slug: recordedSlug, lockVersion: lockVersion, status: status, updatedAt: updatedAt, files: files, extra: extra)
        }
        return entries
    }

    /// The members of an entry that `Entry` holds in fields of its own; any other is kept in `extra`.
    private static let entryKeys: Set<String> = ["id", "files", "lockVersion", "status", "updatedAt", "slug"]

    public func canonicalBytes() -> [UInt8] {
        var unused = WrittenEntries()
        return canonicalBytes(reusing: &unused)
    }

    /// Each workflow entry as last written, by slug: a cycle that changes a few workflows of thousands
    /// lays out only those (at 10,000 workflows, writing the whole map took 35 ms).
    public struct WrittenEntries: Sendable {
        var bySlug: [String: (entry: Entry, bytes: [UInt8])] = [:]
        public init() {}
    }

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
        output.reserveCapacity(written.bySlug.values.reduce(4096) { $0 + $1.bytes.count + 64 })
        output.append(UInt8(ascii: "{"))
        var next: [String: (entry: Entry, bytes: [UInt8])] = [:]
        next.reserveCapacity(workflows.count)
        for (position, member) in JavaScriptKeyOrder.sortedEntries(root).enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: "\n  ".utf8)
            CanonicalJSONWriter.appendQuoted(member.key, to: &output)
            output.append(contentsOf: ": ".utf8)
            switch member.key {
            case "workflows":
                Self.appendSection(workflows, to: &output) { slug, entry in
                    if let previous = written.bySlug[slug], previous.entry == entry {
                        next[slug] = previous
                        return previous.bytes
                    }
                    let bytes = Self.entryBytes(entry)
                    next[slug] = (entry, bytes)
                    return bytes
                }
            case "functions" where writesFunctions:
                Self.appendSection(functions, to: &output) { _, entry in Self.entryBytes(entry) }
            default:
                CanonicalJSONWriter.appendCanonical(member.value, indent: 1, to: &output)
            }
        }
        output.append(contentsOf: "\n}\n".utf8)
        written.bySlug = next
        return output
    }

    /// A section as the object member of the root it is: `{}` when empty, else one entry per line.
    private static func appendSection(
        _ entries: [String: Entry], to output: inout [UInt8], entryBytes: (String, Entry) -> [UInt8]
    ) {
        guard !entries.isEmpty else { return output.append(contentsOf: "{}".utf8) }
        output.append(UInt8(ascii: "{"))
        for (position, slug) in JavaScriptKeyOrder.sorted(entries.keys).enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: "\n    ".utf8)
            CanonicalJSONWriter.appendQuoted(slug, to: &output)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: entryBytes(slug, entries[slug]!))
        }
        output.append(contentsOf: "\n  }".utf8)
    }

    /// An entry as the canonical writer lays it out inside its section.
    private static func entryBytes(_ entry: Entry) -> [UInt8] {
        var bytes: [UInt8] = []
        CanonicalJSONWriter.appendCanonical(value(of: entry), indent: 2, to: &bytes)
        return bytes
    }

    private static func value(of entry: Entry) -> JSONValue {
        var fields = entry.extra
        fields["id"] = .string(entry.id)
        fields["slug"] = .string(entry.slug)
        fields["lockVersion"] = entry.lockVersion.map { .number(JSONNumber($0)) } ?? .null
        if let status = entry.status { fields["status"] = .string(status) }
        if let updatedAt = entry.updatedAt { fields["updatedAt"] = .string(updatedAt) }
        fields["files"] = .object(entry.files.mapValues { .string($0) })
        return .object(fields)
    }
}

extension String {
    func replacingBackslashes() -> String {
        guard utf8.contains(UInt8(ascii: "\\")) else { return self }
        return String(map { $0 == "\\" ? "/" : $0 })
    }
}
