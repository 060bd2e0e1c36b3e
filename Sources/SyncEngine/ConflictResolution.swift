import WorkflowRepo

/// Decides, with no I/O, the base a workflow is compared with once a person merged one of its conflict
/// branches. Merging the branch as git does (fast-forward, a merge commit, a squash, `-X ours`,
/// `-X theirs`, the host's web editor) brings the branch's remote-map entry along: main's own entry is
/// then the Kapso version the person resolved against. `git merge -s ours` keeps main's tree whole,
/// entry included, but puts the branch's commit in main's history: that commit's entry says which Kapso
/// version the person saw, and main's files are their answer to it.
public enum ConflictResolution {
    /// `main`: the workflow's entry in main's remote-map. `merged`: its entries in this service's conflict
    /// commits that main's history holds. The newest of them by `lock_version` when it is newer than
    /// main's (and names the same folder, which main's files are in); main's otherwise.
    public static func base(main: RemoteMap.Entry?, merged: [RemoteMap.Entry]) -> RemoteMap.Entry? {
        guard let main, let mainLock = main.lockVersion else { return main }
        let candidates = merged.filter { $0.id == main.id && $0.slug == main.slug && !$0.files.isEmpty && $0.lockVersion != nil }
        guard let newest = candidates.max(by: { $0.lockVersion! < $1.lockVersion! }), newest.lockVersion! > mainLock else {
            return main
        }
        var entry = newest
        entry.extra = main.extra
        return entry
    }
}
