import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension GitStore {
    /// Removes what a writer of ours killed in the middle left in the repository, and returns the paths
    /// removed (relative to the repository):
    /// - reference locks a marker proves stale (`StaleRefLock`): each refuses a person's push until the
    ///   next reference update of ours;
    /// - the temporary pack and index of libgit2's indexer (`objects/pack/pack_git2_*`, packing) and of
    ///   `StreamingPack` (`objects/pack/tmp_pack-*`, a first import), once no process has them open for
    ///   writing (`AbandonedFile`): each can be as large as a pack, and only `git gc` would remove it;
    /// - the pack builder's settings file (`kapso-gitsync-pack-<pid>-*.config`) once its process is gone.
    /// git's own temporary files (`tmp_pack_*`, `tmp_idx_*`) are never touched.
    public func removeAbandonedFiles() -> [String] {
        let gitDirectory = repository.gitDirectory
        let packFolder = (gitDirectory as NSString).appendingPathComponent("objects/pack")
        var removed = StaleRefLock.removeAllStale(gitDirectory: gitDirectory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: packFolder)) ?? []
        where name.hasPrefix("pack_git2_") || name.hasPrefix("tmp_pack-") {
            if AbandonedFile.removeIfNobodyWrites((packFolder as NSString).appendingPathComponent(name), onlyIfEmpty: false) {
                removed.append("objects/pack/" + name)
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: gitDirectory)) ?? [] {
            guard let pid = Self.packSettingsOwner(name), ProcessIdentity.hasEnded(pid) else { continue }
            if unlink((gitDirectory as NSString).appendingPathComponent(name)) == 0 { removed.append(name) }
        }
        return removed
    }

    /// The pid in `kapso-gitsync-pack-<pid>-<random>.config`, the name `LoosePacker` gives its settings.
    static func packSettingsOwner(_ name: String) -> Int32? {
        let prefix = "kapso-gitsync-pack-"
        guard name.hasPrefix(prefix), name.hasSuffix(".config") else { return nil }
        let fields = name.dropFirst(prefix.count).dropLast(".config".count).split(separator: "-")
        guard fields.count == 2, UInt64(fields[1]) != nil, let pid = Int32(fields[0]), pid > 0 else { return nil }
        return pid
    }
}
