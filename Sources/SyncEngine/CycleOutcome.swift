import GitStore
import WorkflowRepo

/// What one cycle's actions produce for git: written by pulls, pushes, archives and removals, carried
/// out by `Cycle.commit` (one commit on the branch) and `Cycle.writeConflictBranches`.
struct CycleOutcome: Sendable {
    /// The remote-map as this cycle leaves it: the base of the next cycle.
    var remoteMap: RemoteMap
    /// The files to write or remove in the branch's tree.
    var changes: [TreeChange] = []
    /// The workflow folders as the commit leaves them, so the next cycle need not read them again.
    var localAfter = LocalSnapshot()
    /// Kapso's versions of the workflows in conflict, each for its own branch.
    var conflictBranches: [ConflictBranch] = []
}
