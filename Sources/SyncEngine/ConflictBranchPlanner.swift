/// Decides, with no I/O, what happens to the conflict branches `kapso-gitsync/conflict/<folder>`.
public enum ConflictBranchPlanner {
    /// A conflict branch as the cycle found it.
    public struct Branch: Sendable, Equatable {
        public var folder: String
        /// Nothing on it is missing from main: main's history holds its tip, its tip is this service's own
        /// commit (no person added to it), or merging it into main would change nothing (a squash merge).
        public var holdsNothingMainLacks: Bool

        public init(folder: String, holdsNothingMainLacks: Bool) {
            self.folder = folder
            self.holdsNothingMainLacks = holdsNothingMainLacks
        }
    }

    public struct Decision: Sendable, Equatable {
        /// The conflict is gone and nothing would be lost: the branch goes.
        public var delete: [String] = []
        /// The conflict is gone, but a person's commits on the branch are not in main: kept, and reported.
        public var keep: [String] = []
    }

    /// The branches of conflicts that are gone (resolved, or both sides agree). A workflow this cycle could
    /// not read keeps its branch: its conflict may well be still there. A person's commits are never
    /// deleted: a branch holding some that main lacks stays until a person deletes it.
    public static func afterCycle(_ branches: [Branch], inConflict: Set<String>, unread: Set<String>) -> Decision {
        var decision = Decision()
        for branch in branches.sorted(by: { $0.folder < $1.folder })
        where !inConflict.contains(branch.folder) && !unread.contains(branch.folder) {
            if branch.holdsNothingMainLacks {
                decision.delete.append(branch.folder)
            } else {
                decision.keep.append(branch.folder)
            }
        }
        return decision
    }
}
