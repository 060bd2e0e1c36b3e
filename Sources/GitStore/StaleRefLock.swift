internal import CLibgit2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A reference lock (`refs/heads/main.lock`) left by a process of ours that died inside a ref update
/// would stop every later update until a person removed it. Before each update a marker records who
/// is updating which reference to what; a lock is removed only when a marker proves it is that dead
/// process's: the marker's process is gone (or its pid now belongs to another process) and the lock
/// holds exactly the value that process was writing. A lock held by a live process, or one no marker
/// explains (a person's git), is never touched: the error names the file instead.
struct StaleRefLock {
    let gitDirectory: String
    let reference: String
    let target: ObjectID

    private var markerFolder: String { (gitDirectory as NSString).appendingPathComponent("kapso-gitsync-ref-updates") }
    private var lockPath: String { (gitDirectory as NSString).appendingPathComponent(reference) + ".lock" }
    private static let ownIdentity = ProcessIdentity.current

    /// Runs a libgit2 reference update with a marker in place; a lock that turns out to be a dead
    /// process's is removed and the update tried once more.
    func run(_ update: () -> Int32) -> Int32 {
        let marker = (markerFolder as NSString).appendingPathComponent("\(getpid())-\(Self.fileName(reference))")
        try? FileManager.default.createDirectory(atPath: markerFolder, withIntermediateDirectories: true)
        let record = "\(Self.ownIdentity.pid) \(Self.ownIdentity.startTime) \(target.hex) \(reference)\n"
        // Not synced: after a crash of the machine a lost marker only means a lock waits for a person.
        let descriptor = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            _ = record.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
            close(descriptor)
        }
        defer { unlink(marker) }
        var result = update()
        if result == GIT_ELOCKED.rawValue, removeIfStale() { result = update() }
        return result
    }

    /// The error for a lock that stays: which file, and what a person may do about it.
    var lockedError: GitError {
        GitError(
            function: "git_reference_create", code: .other(GIT_ELOCKED.rawValue),
            message: "\(reference) is locked by another process (\(lockPath)); if no git process is working on this repository,"
                + " remove that file")
    }

    private func removeIfStale() -> Bool {
        guard let lock = FileManager.default.contents(atPath: lockPath).map({ String(decoding: $0, as: UTF8.self) }) else {
            return false
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: markerFolder)) ?? []
        for name in names where name.hasSuffix("-\(Self.fileName(reference))") {
            let path = (markerFolder as NSString).appendingPathComponent(name)
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else { continue }
            let fields = text.split(separator: " ", maxSplits: 3).map(String.init)
            guard fields.count == 4, let pid = Int32(fields[0]), let startTime = UInt64(fields[1]),
                fields[3].trimmingCharacters(in: .newlines) == reference
            else { continue }
            let owner = ProcessIdentity(pid: pid, startTime: startTime)
            guard !owner.isAlive, lock.trimmingCharacters(in: .whitespacesAndNewlines) == fields[2] else { continue }
            unlink(lockPath)
            unlink(path)
            return true
        }
        return false
    }

    private static func fileName(_ reference: String) -> String {
        reference.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? String($0) : "_" }.joined()
    }
}

/// A process as the kernel knows it: a pid is reused, a pid with its start time is not.
struct ProcessIdentity: Equatable {
    let pid: Int32
    let startTime: UInt64

    static let current = ProcessIdentity(pid: getpid(), startTime: startTime(of: getpid()) ?? 0)

    var isAlive: Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        return Self.startTime(of: pid) == startTime
    }

    /// Field 22 of `/proc/<pid>/stat`, in clock ticks since boot.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name, in parentheses, may hold spaces: count fields after its closing one.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }
}
