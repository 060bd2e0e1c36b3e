import Foundation
import GitStore

/// What one cycle did, for the CLI summary, logs and the exit code.
public struct CycleReport: Sendable {
    public struct Conflict: Sendable, Equatable {
        public let workflow: String
        public let reason: String
        /// The branch holding Kapso's version, when there is one to hold.
        public let branch: String?
        /// Each field both sides changed differently, with both values (when the merge found them).
        public var details: [String] = []
        /// What each side changed since their last common version, when it is known.
        public var gitChanges: [String] = []
        public var kapsoChanges: [String] = []

        public init(
            workflow: String, reason: String, branch: String?, details: [String] = [], gitChanges: [String] = [],
            kapsoChanges: [String] = []
        ) {
            self.workflow = workflow
            self.reason = reason
            self.branch = branch
            self.details = details
            self.gitChanges = gitChanges
            self.kapsoChanges = kapsoChanges
        }
    }

    /// One phase of the cycle, timed (see `phases`), or one kind of work inside the phase before it.
    public struct PhaseTiming: Sendable, Equatable {
        public let name: String
        /// Nil for a part of a phase: its work ran on several threads at once, beside other work.
        public let wallMilliseconds: Double?
        public let cpuMilliseconds: Double
        public var isPart: Bool { wallMilliseconds == nil }

        /// `name wall/CPU ms`, a part as `name CPU ms`, for a log line.
        public var summary: String {
            let cpu = String(format: "%.0f", cpuMilliseconds)
            guard let wallMilliseconds else { return "\(name) \(cpu) ms" }
            return "\(name) \(String(format: "%.0f", wallMilliseconds))/\(cpu) ms"
        }
    }

    /// A workflow changed on both sides whose edits merged: pushed to Kapso, recorded in git.
    public struct Merged: Sendable, Equatable {
        public let workflow: CommitMessage.SyncedWorkflow
        public let fromGit: [String]
        public let fromKapso: [String]

        public init(workflow: CommitMessage.SyncedWorkflow, fromGit: [String], fromKapso: [String]) {
            self.workflow = workflow
            self.fromGit = fromGit
            self.fromKapso = fromKapso
        }
    }

    /// A function a cycle pulled, pushed, created or found equal on both sides.
    public struct FunctionChange: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case pulled, pushed, created
            /// Git and Kapso hold the same content: only the base moved.
            case adopted
            /// The files differed from Kapso's only in form: rewritten as the CLI writes them.
            case normalised
            /// Gone from Kapso: its folder removed (`sync.deleted_in_kapso: remove`).
            case removed
        }

        public let slug: String
        public let id: String
        public let kind: Kind
        public let lockVersion: Int?
        public let isNew: Bool
        /// A deployment was started after the write.
        public var deployed: Bool

        public init(slug: String, id: String, kind: Kind, lockVersion: Int?, isNew: Bool = false, deployed: Bool = false) {
            self.slug = slug
            self.id = id
            self.kind = kind
            self.lockVersion = lockVersion
            self.isNew = isNew
            self.deployed = deployed
        }
    }

    public var cycleID: String
    /// Wall and CPU time of each phase, in order: list and plan, fetch, local, functions, reconcile,
    /// commit, state.
    public var phases: [PhaseTiming] = []
    public var listed = 0
    public var fetched = 0
    public var pulled: [CommitMessage.SyncedWorkflow] = []
    public var pushed: [CommitMessage.SyncedWorkflow] = []
    public var created: [CommitMessage.SyncedWorkflow] = []
    public var merged: [Merged] = []
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
    /// Functions written or taken this cycle (their conflicts, errors and removals are with the workflows',
    /// named `functions/<slug>`).
    public var functions: [FunctionChange] = []
    public var commit: ObjectID?
    public var requests = 0
    public var objectsWritten = 0
    /// What packing the loose objects did, when this cycle packed them.
    public var packing: PackingOutcome?
    public var fullPass = false
    /// Listed workflows the filter (`sync.include`, `sync.exclude`, `sync.statuses`) left out.
    public var filtered = 0
    /// Push intents whose write this cycle recorded in git, to be removed once that is safe.
    var landedIntents: [String] = []
    public var dryRun = false
    /// The idle cycle whose reads this one found unchanged, when it stopped there (`IdleRecord`).
    public var repeatsIdleCycle: String?

    public init(cycleID: String) {
        self.cycleID = cycleID
    }

    public var hasChanges: Bool {
        !pulled.isEmpty || !pushed.isEmpty || !created.isEmpty || !merged.isEmpty || !archived.isEmpty || !removed.isEmpty
            || !functions.isEmpty
    }
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
            if !merged.isEmpty { parts.append("\(dryRun ? "would merge" : "merged") \(merged.count)") }
            if !functions.isEmpty { parts.append("\(dryRun ? "would sync" : "synced") \(functions.count) functions") }
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
            for merge in merged.sorted(by: { $0.workflow.slug < $1.workflow.slug }) {
                lines.append(
                    "  merged  \(merge.workflow.slug) (lock_version \(merge.workflow.lockVersion.map(String.init) ?? "none")): "
                        + "from git \(merge.fromGit.joined(separator: ", ")); from Kapso \(merge.fromKapso.joined(separator: ", "))")
            }
        }
        for function in functions.sorted(by: { $0.slug < $1.slug }) {
            let verb: String
            switch function.kind {
            case .pulled: verb = function.isNew ? "new function" : "changed function"
            case .pushed: verb = dryRun ? "would push function" : "pushed function"
            case .created: verb = dryRun ? "would create function" : "created function"
            case .adopted: verb = "in sync function"
            case .normalised: verb = "rewrote function"
            case .removed: verb = dryRun ? "would remove function" : "removed function (gone from Kapso)"
            }
            lines.append(
                "  \(verb) \(function.slug) (lock_version \(function.lockVersion.map(String.init) ?? "none"))"
                    + (function.deployed ? ", deploying" : ""))
        }
        if filtered > 0 {
            lines.append("  left out: \(filtered) listed workflows (sync.include, sync.exclude, sync.statuses)")
        }
        for conflict in conflicts {
            lines.append(
                "  conflict: \(conflict.workflow): \(conflict.reason)" + (conflict.branch.map { "; Kapso's version is on \($0)" } ?? ""))
            for detail in conflict.details { lines.append("    \(detail)") }
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
