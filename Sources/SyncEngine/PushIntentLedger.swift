import Foundation
import WorkflowRepo

/// The one owner of push intents, on disk and in a cycle. Their life cycle:
/// 1. recorded, synced to disk, before the Kapso write it announces (`record`);
/// 2. discarded when Kapso refused the write, so that nothing was written (`discard`), the intent it
///    replaced put back;
/// 3. kept after a lost answer, a server error or a crash, for the next cycle to recognise the write
///    (`OwnWriteRecognizer`) instead of taking it for someone else's;
/// 4. resolved once this cycle's commit records the write in the base (`resolve`, `resolveRecorded`),
///    or once Kapso holds exactly the base, so that nothing of the write is left to recognise
///    (`resolveSettled`);
/// 5. cleared once that commit is where every instance sees it (`clear`): at once without a git
///    server, after the push with one. With a server the intents are also published there and a new
///    instance imports them (`RemoteSync+Intents`).
struct PushIntentLedger: Sendable {
    let stateDirectory: String
    /// The intents on file when the cycle started, by key: the workflow id, or `PushIntent.creationKey`.
    let open: [String: PushIntent]
    /// Keys whose write this cycle recorded in git, in the order found.
    private(set) var resolved: [String] = []
    /// Keys whose intent this cycle recorded: their writes may have landed after Kapso was read.
    private(set) var recordedThisCycle: Set<String> = []

    init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
        open = Self.load(from: stateDirectory)
    }

    subscript(key: String) -> PushIntent? { open[key] }

    /// Durable before it returns. The fsyncs run on a Dispatch thread: on a busy disk they take long, and
    /// two of them on Swift's two-thread cooperative pool would stall every task of the process.
    mutating func record(_ intent: PushIntent) async throws(SyncError) {
        recordedThisCycle.insert(intent.workflowID)
        try await writeDurably(intent)
    }

    /// Kapso refused the write: nothing of it landed. The intent it replaced, when one was on file as
    /// the cycle began, goes back: that earlier write of ours may have landed (a crash right after its
    /// `PATCH`), and without its intent a later cycle would take Kapso's copy of git's older edit for
    /// Kapso's own, and merge it over git's newer one.
    func discard(_ key: String) async throws(SyncError) {
        guard let earlier = open[key] else {
            Self.clear([key], in: stateDirectory)
            return
        }
        try await writeDurably(earlier)
    }

    private func writeDurably(_ intent: PushIntent) async throws(SyncError) {
        let directory = stateDirectory
        let failure: String? = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    try Self.write(intent, to: directory)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: "\(error)")
                }
            }
        }
        if let failure { throw .state("cannot record the intent for \(intent.workflowID): \(failure)") }
    }

    mutating func resolve(_ key: String) {
        if !resolved.contains(key) { resolved.append(key) }
    }

    /// Resolves the intents `map` records: a push once the base is past the lock_version it was sent
    /// with (a crash after the branch moved leaves its intent behind), a creation once its folder is in
    /// the base.
    mutating func resolveRecorded(by map: RemoteMap) {
        for key in PushIntent.recorded(open, by: map) { resolve(key) }
    }

    /// Resolves the intents with nothing left to recognise (`PushIntent.settled`), but none recorded
    /// this cycle: Kapso was read before their writes.
    mutating func resolveSettled(base: RemoteMap, kapso: [String: (slug: String, files: [String: String])]) {
        let earlier = open.filter { !recordedThisCycle.contains($0.key) }
        for key in PushIntent.settled(earlier, base: base, kapso: kapso) { resolve(key) }
    }

    /// Removes the intents whose writes are recorded where every instance can see them.
    static func clear(_ keys: [String], in stateDirectory: String) {
        for key in keys { try? FileManager.default.removeItem(at: url(stateDirectory, key: key)) }
    }

    static func load(from stateDirectory: String) -> [String: PushIntent] {
        let folder = folder(stateDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var intents: [String: PushIntent] = [:]
        for name in names where name.hasSuffix(".json") {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path),
                let intent = try? JSONDecoder().decode(PushIntent.self, from: data)
            {
                intents[intent.workflowID] = intent
            }
        }
        return intents
    }

    /// Writes one intent, file and folder synced; also used to import the intents a git server holds.
    static func write(_ intent: PushIntent, to stateDirectory: String) throws {
        try FileManager.default.createDirectory(at: folder(stateDirectory), withIntermediateDirectories: true)
        try AtomicFile.write(try encoded(intent), to: url(stateDirectory, key: intent.workflowID), durable: true)
    }

    static func encoded(_ intent: PushIntent) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(intent)
    }

    /// The file name of a key, also used for the files of the intents ref on a git server.
    static func fileName(_ key: String) -> String {
        (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key) + ".json"
    }

    private static func folder(_ stateDirectory: String) -> URL {
        URL(fileURLWithPath: stateDirectory).appendingPathComponent("intents")
    }

    private static func url(_ stateDirectory: String, key: String) -> URL {
        folder(stateDirectory).appendingPathComponent(fileName(key))
    }
}
