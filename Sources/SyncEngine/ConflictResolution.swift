import WorkflowRepo

/// Decides, with no I/O, the base a workflow is compared with once a person merged one of its conflict
/// branches. Merging the branch as git does (fast-forward, a merge commit, a squash, `-X ours`,
/// `-X theirs`, the host's web editor) brings the branch's remote-map entry along: main's own entry is
/// then the Kapso version the person resolved against. `git merge -s ours` keeps main's tree whole,
/// entry included, but puts the branch's commits in main's history: the newest of them says which Kapso
/// version the person saw, and main's files are their answer to it.
///
/// The order is history's, not `lock_version`'s: Kapso keeps the `lock_version` when only a trigger
/// changes, so two versions can share one. A conflict commit speaks for main only when main's entry is
/// still the one its branch started from (or one an earlier such commit of the branch recorded).
public enum ConflictResolution {
    /// One of this service's conflict commits that main's history holds, as the cycle read it.
    public struct MergedCommit: Sendable, Equatable {
        /// The workflow's entry in this commit's remote-map: Kapso's version on the branch.
        public let recorded: RemoteMap.Entry?
        /// The workflow's entry in the commit's parent: the version the branch grew from.
        public let startedFrom: RemoteMap.Entry?
        /// Whether main's first-parent history has kept main's current entry since a commit the branch
        /// grew from. False when main's entry changed after the branch was made (a later sync, a push),
        /// so an old branch cannot speak for a newer version that happens to look like its start.
        public let mainKeptItsEntrySinceTheFork: Bool

        public init(recorded: RemoteMap.Entry?, startedFrom: RemoteMap.Entry?, mainKeptItsEntrySinceTheFork: Bool) {
            self.recorded = recorded
            self.startedFrom = startedFrom
            self.mainKeptItsEntrySinceTheFork = mainKeptItsEntrySinceTheFork
        }
    }

    /// `main`: the workflow's entry in main's remote-map. `merged`: the workflow's conflict commits in
    /// main's history, oldest first. The entry of the newest one that speaks for main, keeping main's
    /// other fields; main's own entry when none does.
    public static func base(main: RemoteMap.Entry?, merged: [MergedCommit]) -> RemoteMap.Entry? {
        guard let main else { return nil }
        var known = [main]
        var newest: RemoteMap.Entry?
        for commit in merged where commit.mainKeptItsEntrySinceTheFork {
            guard let recorded = commit.recorded, let startedFrom = commit.startedFrom,
                recorded.id == main.id, recorded.slug == main.slug, !recorded.files.isEmpty,
                !isOlder(recorded, than: main),
                known.contains(where: { $0.isSameVersion(as: startedFrom) })
            else { continue }
            known.append(recorded)
            newest = recorded
        }
        guard var newest, !newest.isSameVersion(as: main) else { return main }
        newest.extra = main.extra
        return newest
    }

    /// Kapso never lowers a `lock_version`: an entry with a lower one than main's is from before it.
    private static func isOlder(_ entry: RemoteMap.Entry, than main: RemoteMap.Entry) -> Bool {
        guard let lock = entry.lockVersion, let mainLock = main.lockVersion else { return false }
        return lock < mainLock
    }
}

extension RemoteMap.Entry {
    /// The same Kapso version in the same folder: what the sync compares, not bookkeeping fields.
    func isSameVersion(as other: RemoteMap.Entry) -> Bool {
        id == other.id && slug == other.slug && lockVersion == other.lockVersion && files == other.files
    }
}
