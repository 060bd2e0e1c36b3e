import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Removes a file that a killed writer left, once the kernel proves that no process is writing it: Linux
/// grants a read lease only on a file that no descriptor, in any process and whatever its user, has open
/// for writing. git and libgit2 keep a lock or a temporary file open until it is complete, so a file
/// nobody has open for writing is no one's work in progress (or one in the microseconds between its
/// close and its rename, whose rename then fails: an error, never a silent loss).
enum AbandonedFile {
    /// Whether `path` was removed: only when the lease is granted, `path` still names the file the lease
    /// is on, and (`onlyIfEmpty`) the file holds nothing. Never where the file system has no leases
    /// (NFS) or the file is another user's: the kernel refuses the lease there.
    static func removeIfNobodyWrites(_ path: String, onlyIfEmpty: Bool) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        // Held until the unlink: while it is, an open for writing waits for the lease to end.
        guard takeReadLease(descriptor) else { return false }
        defer { _ = fcntl(descriptor, setLease, Int32(F_UNLCK)) }
        var leased = stat()
        var named = stat()
        guard fstat(descriptor, &leased) == 0, lstat(path, &named) == 0, leased.st_dev == named.st_dev, leased.st_ino == named.st_ino,
            (leased.st_mode & S_IFMT) == S_IFREG, !onlyIfEmpty || leased.st_size == 0
        else { return false }
        return unlink(path) == 0
    }

    /// Linux's `F_SETLEASE` and `F_SETSIG`, which Swift's `Glibc` module leaves out (they are behind
    /// `_GNU_SOURCE`).
    private static let setLease: Int32 = 1024
    private static let setSignal: Int32 = 10

    /// A process that opens the file for writing while the lease is held breaks it, and the kernel
    /// signals the holder: `SIGURG`, whose default is to be ignored, rather than `SIGIO`, whose default
    /// ends the process.
    private static func takeReadLease(_ descriptor: Int32) -> Bool {
        fcntl(descriptor, setSignal, SIGURG) == 0 && fcntl(descriptor, setLease, Int32(F_RDLCK)) == 0
    }
}
