/// Decides, with no I/O, what happens to the conflict branches `kapso-gitsync/conflict/<folder>`.
public enum ConflictBranchPlanner {
    /// The folders whose conflict branches go: the conflict is gone (resolved, or both sides agree).
    /// A workflow this cycle could not read keeps its branch: its conflict may well be still there.
    public static func toDelete(existing: [String], inConflict: Set<String>, unread: Set<String>) -> [String] {
        existing.filter { !inConflict.contains($0) && !unread.contains($0) }
    }
}
