internal import CLibgit2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A reference lock (`refs/heads/main.lock`) left by a process of ours that died inside a ref update
/// would stop every later update until a person removed it. Before each update a marker records who
/// is updating which reference to what; a lock is removed only when a marker proves it is that dead
/// process's: the marker's process is gone (or its pid now belongs to another process) and the lock
/// holds exactly the value that process was writing, or holds nothing and no process has it open for
/// writing (`AbandonedFile`): libgit2 writes a lock's content only when it commits the update, after
/// reading the old value and appending to the reflog, so a death before that leaves the lock empty. A
/// lock held by a live process, or one no marker explains (a person's git), is never touched: the
/// error names the file instead.
struct StaleRefLock {
    let gitDirectory: String
    let reference: String
    let target: ObjectID

    private static let markerFolderName = "kapso-gitsync-ref-updates"
    private var markerFolder: String { (gitDirectory as NSString).appendingPathComponent(Self.markerFolderName) }
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

    /// Removes every lock that a marker of a dead process of ours proves stale, whatever its reference,
    /// and the markers of dead processes whose reference is not locked (their update ended, or never
    /// took the lock): a marker left standing could later seem to explain another program's lock.
    /// Returns the locks removed. Run before a cycle, so that a person's push is not refused for longer
    /// than until the service's next cycle, even one with nothing to write.
    static func removeAllStale(gitDirectory: String) -> [String] {
        let folder = (gitDirectory as NSString).appendingPathComponent(markerFolderName)
        var removed: [String] = []
        for marker in markers(in: folder) where !marker.owner.isAlive {
            guard let target = ObjectID(hex: marker.target) else { continue }
            let lock = StaleRefLock(gitDirectory: gitDirectory, reference: marker.reference, target: target)
            if FileManager.default.fileExists(atPath: lock.lockPath) {
                if lock.removeIfStale() { removed.append(marker.reference + ".lock") }
            } else {
                unlink(marker.path)
            }
        }
        return removed
    }

    private func removeIfStale() -> Bool {
        guard let lock = FileManager.default.contents(atPath: lockPath).map({ String(decoding: $0, as: UTF8.self) }) else {
            return false
        }
        for marker in Self.markers(in: markerFolder) where marker.reference == reference && !marker.owner.isAlive {
            if lock.trimmingCharacters(in: .whitespacesAndNewlines) == marker.target {
                unlink(lockPath)
            } else if !lock.isEmpty || !AbandonedFile.removeIfNobodyWrites(lockPath, onlyIfEmpty: true) {
                continue
            }
            unlink(marker.path)
            return true
        }
        return false
    }

    /// A marker as `run` writes it: `<pid> <start time> <target> <reference>`.
    private struct Marker {
        let path: String
        let owner: ProcessIdentity
        let target: String
        let reference: String
    }

    private static func markers(in folder: String) -> [Marker] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name in
            let path = (folder as NSString).appendingPathComponent(name)
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
            let fields = text.split(separator: " ", maxSplits: 3).map(String.init)
            guard fields.count == 4, let pid = Int32(fields[0]), let startTime = UInt64(fields[1]) else { return nil }
            let reference = fields[3].trimmingCharacters(in: .newlines)
            // A reference git could hold: under refs/, no empty or `..` component.
            let components = reference.split(separator: "/", omittingEmptySubsequences: false)
            guard components.first == "refs", components.count > 1, !components.contains(where: { $0.isEmpty || $0 == ".." }) else {
                return nil
            }
            return Marker(path: path, owner: ProcessIdentity(pid: pid, startTime: startTime), target: fields[2], reference: reference)
        }
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
        !Self.hasEnded(pid) && Self.startTime(of: pid) == startTime
    }

    /// No process has `pid` now (one that has it may be another than the one that had it).
    static func hasEnded(_ pid: Int32) -> Bool {
        kill(pid, 0) != 0 && errno == ESRCH
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
