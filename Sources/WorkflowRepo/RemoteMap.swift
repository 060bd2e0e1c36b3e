import CanonicalJSON

/// `.kapso/remote-map.json`, the sync base: for each workflow (keyed by slug, as the CLI does) its id,
/// the `lock_version` and `updated_at` last synced, and the sha256 of each file as last synced.
/// Fields this service does not know (the CLI's `functions`, `generatedSource`, `sourceFile`) are kept.
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

    /// Entries by slug (the folder name, as the CLI keys them).
    public private(set) var workflows: [String: Entry]
    public var extra: [String: JSONValue]
    /// Slug by workflow id: identity is the id, and every cycle looks entries up by it.
    public private(set) var slugByID: [String: String]

    public init(workflows: [String: Entry] = [:], extra: [String: JSONValue] = [:]) {
        self.workflows = workflows
        self.extra = extra
        slugByID = Self.index(workflows)
    }

    public func entry(forID id: String) -> Entry? {
        slugByID[id].flatMap { workflows[$0] }
    }

    /// Records `entry` under its slug, replacing whatever the map held for that slug or that id.
    public mutating func set(_ entry: Entry) {
        if let oldSlug = slugByID[entry.id], oldSlug != entry.slug { workflows.removeValue(forKey: oldSlug) }
        if let displaced = workflows[entry.slug], displaced.id != entry.id { slugByID.removeValue(forKey: displaced.id) }
        workflows[entry.slug] = entry
        slugByID[entry.id] = entry.slug
    }

    public mutating func remove(slug: String) {
        guard let entry = workflows.removeValue(forKey: slug) else { return }
        if slugByID[entry.id] == slug { slugByID.removeValue(forKey: entry.id) }
    }

    private static func index(_ workflows: [String: Entry]) -> [String: String] {
        Dictionary(workflows.map { ($0.value.id, $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    public init(bytes: [UInt8]) throws(LayoutError) {
        let path = RepositoryLayout.remoteMap
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw .invalidFile(path: path, detail: error.description)
        }
        guard var root = document.objectValue else { throw .invalidFile(path: path, detail: "not a JSON object") }
        var workflows: [String: Entry] = [:]
        if let section = root.removeValue(forKey: "workflows") {
            guard let object = section.objectValue else { throw .invalidFile(path: path, detail: "workflows is not an object") }
            for (slug, value) in object {
                guard var fields = value.objectValue else {
                    throw .invalidFile(path: path, detail: "workflows.\(slug) is not an object")
                }
                guard let id = fields.removeValue(forKey: "id")?.stringValue else {
                    throw .invalidFile(path: path, detail: "workflows.\(slug).id is missing")
                }
                var files: [String: String] = [:]
                if let fileObject = fields.removeValue(forKey: "files")?.objectValue {
                    for (filePath, hash) in fileObject {
                        // The CLI on Windows records paths with backslashes.
                        files[filePath.replacingBackslashes()] = hash.stringValue ?? ""
                    }
                }
                let lockVersion = fields.removeValue(forKey: "lockVersion")?.numberValue?.intValue
                let status = fields.removeValue(forKey: "status")?.stringValue
                let updatedAt = fields.removeValue(forKey: "updatedAt")?.stringValue
                let recordedSlug = fields.removeValue(forKey: "slug")?.stringValue ?? slug
                // The source fields' paths too, so that they name the files git has.
                for key in ["generatedSource", "sourceFile"] {
                    guard case .object(var source)? = fields[key], let sourcePath = source["path"]?.stringValue else { continue }
                    source["path"] = .string(sourcePath.replacingBackslashes())
                    fields[key] = .object(source)
                }
                workflows[slug] = Entry(
                    id: id, slug: recordedSlug, lockVersion: lockVersion, status: status, updatedAt: updatedAt,
                    files: files, extra: fields)
            }
        }
        self.workflows = workflows
        self.extra = root
        slugByID = Self.index(workflows)
    }

    public func canonicalBytes() -> [UInt8] {
        var root = extra
        root["version"] = root["version"] ?? 1
        var section: [String: JSONValue] = [:]
        for (slug, entry) in workflows {
            var fields = entry.extra
            fields["id"] = .string(entry.id)
            fields["slug"] = .string(entry.slug)
            fields["lockVersion"] = entry.lockVersion.map { .number(JSONNumber($0)) } ?? .null
            if let status = entry.status { fields["status"] = .string(status) }
            if let updatedAt = entry.updatedAt { fields["updatedAt"] = .string(updatedAt) }
            fields["files"] = .object(entry.files.mapValues { .string($0) })
            section[slug] = .object(fields)
        }
        root["workflows"] = .object(section)
        return CanonicalJSONWriter.canonicalBytes(.object(root))
    }
}

extension String {
    func replacingBackslashes() -> String {
        String(map { $0 == "\\" ? "/" : $0 })
    }
}
