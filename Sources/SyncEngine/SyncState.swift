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

    /// The remote-map blob this service last committed, and the layout it wrote it in: a map read from
    /// that blob is known to be laid out by this writer, so a commit writes its unchanged entries again
    /// as they are (at 10,000 workflows, laying out every entry was a tenth of a 100-change `sync`).
    public var remoteMapWritten: WrittenRemoteMap?

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

    public struct WrittenRemoteMap: Codable, Sendable, Equatable {
        public var blob: String
        public var layout: Int

        public init(blob: String, layout: Int) {
            self.blob = blob
            self.layout = layout
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
        // Read where the bytes are: a copy of a 10,000-workflow state is 4 MB of fresh pages.
        let state = data.withUnsafeBytes { SyncStateText.decode($0.bindMemory(to: UInt8.self)) }
        return (state ?? SyncState(), false)
    }

    /// Returns the bytes written.
    @discardableResult
    public func save(to directory: String) throws -> [UInt8] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bytes = SyncStateText.encode(self)
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName))
        return bytes
    }
}
