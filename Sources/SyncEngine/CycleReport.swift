import GitStore

/// What one cycle did, for the CLI summary, logs and the exit code.
public struct CycleReport: Sendable {
    public var cycleID: String
    public var listed = 0
    public var fetched = 0
    public var pulled: [CommitMessage.PulledWorkflow] = []
    /// Fetched, found to hold the same content as the base: nothing written.
    public var unchanged = 0
    public var failures: [PullPlanner.Rejection] = []
    public var missingInKapso: [String] = []
    public var warnings: [String] = []
    public var commit: ObjectID?
    public var requests = 0
    public var objectsWritten = 0
    public var fullPass = false
    public var dryRun = false

    public init(cycleID: String) {
        self.cycleID = cycleID
    }

    public var hasChanges: Bool { !pulled.isEmpty }

    /// A few lines a person reads after `sync` or `plan`.
    public func summaryLines() -> [String] {
        var lines: [String] = []
        let verb = dryRun ? "would pull" : "pulled"
        if pulled.isEmpty {
            lines.append("in sync: \(listed) workflows in Kapso, nothing to pull")
        } else {
            lines.append("\(verb) \(pulled.count) of \(listed) workflows" + (commit.map { " in commit \($0.short)" } ?? ""))
            for workflow in pulled.sorted(by: { $0.slug < $1.slug }) {
                lines.append(
                    "  \(workflow.isNew ? "new    " : "changed") \(workflow.slug) (lock_version \(workflow.lockVersion.map(String.init) ?? "none"))"
                )
            }
        }
        for slug in missingInKapso {
            lines.append("  missing in Kapso (files kept): \(slug)")
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
