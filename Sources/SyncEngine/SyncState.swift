import Foundation

/// What the service keeps in its state directory: nothing that cannot be rebuilt from git and Kapso,
/// only what saves requests and file reads. Written atomically (temporary file, then rename).
public struct SyncState: Codable, Sendable, Equatable {
    public var version = 3
    /// The time of the last completed full pass, in seconds since the epoch.
    public var lastFullPass: Double?
    /// Workflow id → the lock_version known to hold the same content as the base.
    public var knownVersions: [String: FetchPlanner.KnownVersion] = [:]
    /// Folder → the blob ids of its two files and the hashes of their canonical form. Blob ids fix the
    /// content, so the record stays true for as long as the blobs are the same.
    public var localFiles: [String: LocalFilesRecord] = [:]
    /// The `workflows/` tree whose folders `localFiles` records whole (every folder read and valid):
    /// while the branch has that tree, its folders need not be walked.
    public var localTree: String?
    /// Workflows a full pass meant to read and could not (Kapso or the network failed): read on the
    /// next cycle, so that the full pass need not be repeated whole for them.
    public var pendingFetch: Set<String> = []
    /// Workflow id → a `lock_version` whose answer could not be turned into files, and why: reported
    /// every cycle, read again only when the version moves or on the next full pass.
    public var unreadable: [String: FetchPlanner.Unreadable] = [:]

    /// Function id → the version (`lock_version|updated_at`) last read and found to equal the base.
    public var knownFunctionVersions: [String: String]?
    /// Functions written to Kapso whose deployment failed: deployed again while Kapso still holds what
    /// was written.
    public var pendingDeploys: Set<String>?

    public struct LocalFilesRecord: Codable, Sendable, Equatable {
        public var blobs: [String: String]
        public var hashes: [String: String]

        public init(blobs: [String: String], hashes: [String: String]) {
            self.blobs = blobs
            self.hashes = hashes
        }
    }

    public init() {}

    static let fileName = "sync-state.json"

    /// Reads the state; a missing, older or unreadable file gives an empty state, which costs only requests.
    public static func load(from directory: String) -> SyncState {
        loadNotingForm(from: directory).state
    }

    /// `inEarlierForm`: read from the JSON form of earlier releases, which the next save replaces.
    static func loadNotingForm(from directory: String) -> (state: SyncState, inEarlierForm: Bool) {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(fileName)
        return decodeNotingForm(try? Data(contentsOf: url))
    }

    /// The state in a state file's bytes (nil: no file).
    static func decodeNotingForm(_ file: Data?) -> (state: SyncState, inEarlierForm: Bool) {
        guard let data = file else { return (SyncState(), false) }
        if data.first == UInt8(ascii: "{") {
            guard let state = try? JSONDecoder().decode(SyncState.self, from: data), state.version == SyncState().version else {
                return (SyncState(), false)
            }
            return (state, true)
        }
        return (SyncStateText.decode([UInt8](data)) ?? SyncState(), false)
    }

    /// Returns the bytes written.
    @discardableResult
    public func save(to directory: String) throws -> [UInt8] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bytes = SyncStateText.encode(self)
        try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName))
        return bytes
    }
}
