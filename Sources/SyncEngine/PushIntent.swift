import Foundation

/// Written to the state directory before a PATCH and removed once the commit that records it lands.
/// After a crash between the two, it lets the next cycle recognise Kapso's newer version as its own
/// write (the lock_version moved past the one sent, the files in git are still the ones sent) and take
/// it, instead of reporting a conflict with itself.
public struct PushIntent: Codable, Sendable, Equatable {
    public var workflowID: String
    public var lockVersion: Int?
    public var localHashes: [String: String]

    public init(workflowID: String, lockVersion: Int?, localHashes: [String: String]) {
        self.workflowID = workflowID
        self.lockVersion = lockVersion
        self.localHashes = localHashes
    }

    static func folder(_ stateDirectory: String) -> URL {
        URL(fileURLWithPath: stateDirectory).appendingPathComponent("intents")
    }

    static func url(_ stateDirectory: String, id: String) -> URL {
        folder(stateDirectory).appendingPathComponent(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id)
            .appendingPathExtension("json")
    }

    func record(in stateDirectory: String) throws {
        try FileManager.default.createDirectory(at: Self.folder(stateDirectory), withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(self), to: Self.url(stateDirectory, id: workflowID))
    }

    static func remove(id: String, in stateDirectory: String) {
        try? FileManager.default.removeItem(at: url(stateDirectory, id: id))
    }

    static func all(in stateDirectory: String) -> [String: PushIntent] {
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
}
