import Foundation

/// This instance's name among those that ever synced the project: random, kept in the state
/// directory, so a new state directory is a new instance.
enum InstanceID {
    static func load(in stateDirectory: String) -> String {
        let url = URL(fileURLWithPath: stateDirectory).appendingPathComponent("instance-id")
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty && id.allSatisfy({ $0.isLetter || $0.isNumber }) { return id }
        }
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try? FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        try? AtomicFile.write(Data((id + "\n").utf8), to: url)
        return id
    }
}
