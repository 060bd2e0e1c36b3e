import GitStore

/// What one cycle did, for the CLI summary, logs and the exit code.
public struct CycleReport: Sendable {
    public struct Conflict: Sendable, Equatable {
        public let workflow: String
        public let reason: String
        /// The branch holding Kapso's version, when there is one to hold.
        public let branch: String?
    }

    public var cycleID: String
    public var listed = 0
    public var fetched = 0
    public var pulled: [CommitMessage.SyncedWorkflow] = []
    public var pushed: [CommitMessage.SyncedWorkflow] = []
    public var created: [CommitMessage.SyncedWorkflow] = []
    /// Fetched, found to hold the same content as the base: nothing written.
    public var unchanged = 0
    public var failures: [FetchPlanner.Rejection] = []
    public var invalid: [FetchPlanner.Rejection] = []
    public var conflicts: [Conflict] = []
    public var missingInKapso: [String] = []
    public var deletedInGit: [String] = []
    /// Archived in Kapso because their folder was removed in git.
    public var archived: [String] = []
    /// Folders removed because their workflow is gone from Kapso.
    public var removed: [String] = []
    public var warnings: [String] = []
    public var commit: ObjectID?
    public var requests = 0
    public var objectsWritten = 0
    public var fullPass = false
    /// Push intents whose write this cycle recorded in git, to be removed once that is safe.
    var landedIntents: [String] = []
    public var dryRun = false

    public init(cycleID: String) {
        self.cycleID = cycleID
    }

    public var hasChanges: Bool { !pulled.isEmpty || !pushed.isEmpty || !created.isEmpty || !archived.isEmpty || !removed.isEmpty }
    /// Something needs a person: a conflict, an invalid workflow, or a workflow that could not be read.
    public var needsAttention: Bool { !conflicts.isEmpty || !invalid.isEmpty || !failures.isEmpty }

    /// A few lines a person reads after `sync` or `plan`.
    public func summaryLines() -> [String] {
        var lines: [String] = []
        if !hasChanges {
            lines.append("in sync: \(listed) workflows in Kapso, nothing to pull")
        } else {
            var parts: [String] = []
            if !pulled.isEmpty { parts.append("\(dryRun ? "would pull" : "pulled") \(pulled.count) of \(listed) workflows") }
            if !pushed.isEmpty { parts.append("\(dryRun ? "would push" : "pushed") \(pushed.count)") }
            if !created.isEmpty { parts.append("\(dryRun ? "would create" : "created") \(created.count)") }
            lines.append(parts.joined(separator: ", ") + (commit.map { " in commit \($0.short)" } ?? ""))
            for workflow in pulled.sorted(by: { $0.slug < $1.slug }) {
                lines.append(
                    "  \(workflow.isNew ? "new    " : "changed") \(workflow.slug) (lock_version \(workflow.lockVersion.map(String.init) ?? "none"))"
                )
            }
            for workflow in pushed.sorted(by: { $0.slug < $1.slug }) {
                lines.append("  pushed  \(workflow.slug) (lock_version \(workflow.lockVersion.map(String.init) ?? "none"))")
            }
            for workflow in created.sorted(by: { $0.slug < $1.slug }) {
                lines.append("  created \(workflow.slug)" + (workflow.id.isEmpty ? "" : " (id \(workflow.id))"))
            }
        }
        for conflict in conflicts {
            lines.append(
                "  conflict: \(conflict.workflow): \(conflict.reason)" + (conflict.branch.map { "; Kapso's version is on \($0)" } ?? ""))
        }
        for slug in missingInKapso {
            lines.append("  missing in Kapso (files kept): \(slug)")
        }
        for slug in deletedInGit {
            lines.append("  deleted in git (kept in Kapso): \(slug)")
        }
        for slug in archived {
            lines.append("  \(dryRun ? "would archive" : "archived") in Kapso (folder removed in git): \(slug)")
        }
        for slug in removed {
            lines.append("  \(dryRun ? "would remove" : "removed") folder (workflow gone from Kapso): \(slug)")
        }
        for invalid in invalid {
            lines.append("  invalid: \(invalid.workflow): \(invalid.reason)")
        }
        for failure in failures {
            lines.append("  error: \(failure.workflow): \(failure.reason)")
        }
        for warning in warnings {
            lines.append("  warning: \(warning)")
        }
        return lines
    }
}
