/// The message of a pull commit: a subject a person can scan in `git log --oneline`, one line per
/// workflow, and trailers (`Kapso-Workflow: <slug> id=<id> lock_version=<n>`) a machine can read
/// with `git interpret-trailers --parse`.
public enum CommitMessage {
    /// A workflow a cycle pulled, pushed or created, as its commit message names it.
    public struct SyncedWorkflow: Sendable, Equatable {
        public let slug: String
        public let name: String
        public let id: String
        public let lockVersion: Int?
        public let isNew: Bool
        /// What changed, in the terms a person edits a workflow in (`WorkflowChanges`), for a pull.
        public var changes: [String]

        public init(slug: String, name: String, id: String, lockVersion: Int?, isNew: Bool, changes: [String] = []) {
            self.slug = slug
            self.name = name
            self.id = id
            self.lockVersion = lockVersion
            self.isNew = isNew
            self.changes = changes
        }
    }

    /// At most this many change lines per workflow: the message is a changelog to scan, not the diff.
    static let changesShown = 6

    /// A pulled workflow's line, then what changed in it.
    private static func pulledLines(_ workflow: SyncedWorkflow) -> [String] {
        let verb = workflow.isNew ? "add" : "update"
        var lines = ["- \(verb) \(workflow.slug) \"\(oneLine(workflow.name))\" at lock_version \(version(workflow.lockVersion))"]
        lines += workflow.changes.prefix(changesShown).map { "  \(oneLine($0))" }
        if workflow.changes.count > changesShown { lines.append("  … and \(workflow.changes.count - changesShown) more") }
        return lines
    }

    public static func pull(_ workflows: [SyncedWorkflow], cycleID: String) -> String {
        let parts = pullParts(workflows)
        return assemble(parts.subject, paragraphs: [parts.body], trailers: parts.trailers, cycleID: cycleID)
    }

    /// A message's subject, its body lines, and its trailers (but the cycle's).
    struct Parts {
        var subject: String
        var body: [String]
        var trailers: [String]
    }

    static func pullParts(_ workflows: [SyncedWorkflow]) -> Parts {
        let sorted = workflows.sorted { $0.slug < $1.slug }
        let subject: String
        if sorted.count == 1, let only = sorted.first {
            subject = "Pull \(only.slug) from Kapso (lock_version \(version(only.lockVersion)))"
        } else {
            let added = sorted.filter(\.isNew).count
            subject =
                "Pull \(sorted.count) workflows from Kapso" + (added > 0 ? " (\(added) new)" : "")
        }
        return Parts(
            subject: subject, body: sorted.flatMap(pulledLines),
            trailers: sorted.map { "Kapso-Workflow: \($0.slug) id=\($0.id) lock_version=\(version($0.lockVersion))" })
    }

    /// Subject, a blank line, each paragraph of the body followed by a blank line, then the trailers
    /// ending with `Kapso-Sync-Cycle`.
    static func assemble(_ subject: String, paragraphs: [[String]], trailers: [String], cycleID: String) -> String {
        var lines = [subject, ""]
        for paragraph in paragraphs { lines += paragraph + [""] }
        lines += trailers + ["Kapso-Sync-Cycle: \(cycleID)"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A cycle's commit: the pull message when nothing was pushed; otherwise pushes and pulls together,
    /// with a `Kapso-Pushed` trailer per push. Functions come after the workflows, a paragraph and
    /// `Kapso-Function` trailers of their own; a cycle that changed only functions has a subject of theirs.
    public static func cycle(
        pulled: [SyncedWorkflow], pushed: [SyncedWorkflow], merged: [CycleReport.Merged] = [], archived: [String] = [],
        removed: [String] = [], functions: [CycleReport.FunctionChange] = [], switchedFromLegacy: Int = 0, cycleID: String
    ) -> String {
        let workflowsChanged = !pulled.isEmpty || !pushed.isEmpty || !merged.isEmpty || !archived.isEmpty || !removed.isEmpty
        let functionParts = functions.isEmpty ? nil : functionParts(functions)
        if let functionParts, !workflowsChanged {
            return assemble(functionParts.subject, paragraphs: [functionParts.body], trailers: functionParts.trailers, cycleID: cycleID)
        }
        var parts = cycleParts(pulled: pulled, pushed: pushed, merged: merged, archived: archived, removed: removed) ?? pullParts(pulled)
        var paragraphs = [parts.body]
        if switchedFromLegacy > 0 {
            parts.subject =
                "Switch to the Platform API: re-record \(switchedFromLegacy) workflow\(switchedFromLegacy == 1 ? "" : "s") read through the legacy API"
            paragraphs.insert(
                [
                    "This repository was synced through the legacy Flows API (kapso.api: legacy). Read again through the",
                    "Platform API, the same workflows (same ids) are recorded as it shows them: references to functions",
                    "and workflows by slug instead of id, each folder named by its workflow's slug, settings and triggers",
                    "in the Platform API's terms. Nothing was written to Kapso.",
                ], at: 0)
        }
        return assemble(
            parts.subject, paragraphs: paragraphs + (functionParts.map { [$0.body] } ?? []),
            trailers: parts.trailers + (functionParts?.trailers ?? []), cycleID: cycleID)
    }

    /// The parts of a cycle's message that wrote to Kapso or removed something; nil when it only pulled.
    private static func cycleParts(
        pulled: [SyncedWorkflow], pushed: [SyncedWorkflow], merged: [CycleReport.Merged], archived: [String], removed: [String]
    ) -> Parts? {
        guard !pushed.isEmpty || !merged.isEmpty || !archived.isEmpty || !removed.isEmpty else { return nil }
        let subject: String
        if pulled.isEmpty, archived.isEmpty, removed.isEmpty, merged.isEmpty, pushed.count == 1, let only = pushed.first {
            subject = "Record push of \(only.slug) to Kapso (now lock_version \(version(only.lockVersion)))"
        } else if pulled.isEmpty, archived.isEmpty, removed.isEmpty, pushed.isEmpty, merged.count == 1, let only = merged.first {
            subject =
                "Merge git's and Kapso's edits of \(only.workflow.slug) (now lock_version \(version(only.workflow.lockVersion)))"
        } else {
            var parts = ["\(pushed.count) pushed", "\(pulled.count) pulled"]
            if !merged.isEmpty { parts.append("\(merged.count) merged") }
            if !archived.isEmpty { parts.append("\(archived.count) archived") }
            if !removed.isEmpty { parts.append("\(removed.count) removed") }
            subject = "Sync with Kapso: " + parts.joined(separator: ", ")
        }
        var lines: [String] = []
        for slug in archived.sorted() { lines.append("- archive \(slug) in Kapso: its folder was removed in git") }
        for slug in removed.sorted() { lines.append("- remove workflows/\(slug): the workflow is gone from Kapso") }
        for workflow in pushed.sorted(by: { $0.slug < $1.slug }) {
            lines.append(
                "- push \(workflow.slug) \"\(oneLine(workflow.name))\", Kapso's form recorded at lock_version \(version(workflow.lockVersion))"
            )
        }
        for merge in merged.sorted(by: { $0.workflow.slug < $1.workflow.slug }) {
            let workflow = merge.workflow
            lines.append(
                "- merge \(workflow.slug) \"\(oneLine(workflow.name))\": both sides changed it, in different places; the merge was"
                    + " sent to Kapso and its form recorded at lock_version \(version(workflow.lockVersion))")
            lines.append("  from git: " + (merge.fromGit.isEmpty ? "nothing" : merge.fromGit.joined(separator: "; ")))
            lines.append("  from Kapso: " + (merge.fromKapso.isEmpty ? "nothing" : merge.fromKapso.joined(separator: "; ")))
        }
        for workflow in pulled.sorted(by: { $0.slug < $1.slug }) { lines += pulledLines(workflow) }
        var trailers: [String] = []
        for workflow in pushed.sorted(by: { $0.slug < $1.slug }) {
            trailers.append("Kapso-Pushed: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        for workflow in merged.map(\.workflow).sorted(by: { $0.slug < $1.slug }) {
            trailers.append("Kapso-Merged: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        for workflow in pulled.sorted(by: { $0.slug < $1.slug }) {
            trailers.append("Kapso-Workflow: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        return Parts(subject: subject, body: lines, trailers: trailers)
    }

    /// What a conflict commit says besides the workflow: why, the fields in conflict with both values,
    /// and what each side changed.
    public struct ConflictDetails: Sendable, Equatable {
        public var reason: String
        public var conflicts: [String] = []
        public var gitChanges: [String] = []
        public var kapsoChanges: [String] = []

        public init(reason: String, conflicts: [String] = [], gitChanges: [String] = [], kapsoChanges: [String] = []) {
            self.reason = reason
            self.conflicts = conflicts
            self.gitChanges = gitChanges
            self.kapsoChanges = kapsoChanges
        }

        var lines: [String] {
            var lines: [String] = []
            if !conflicts.isEmpty {
                lines += ["", "In conflict:"] + conflicts.map { "- \(oneLine($0))" }
            }
            if !gitChanges.isEmpty { lines += ["", "Changed in git since the last sync:"] + gitChanges.map { "- \($0)" } }
            if !kapsoChanges.isEmpty { lines += ["", "Changed in Kapso since the last sync:"] + kapsoChanges.map { "- \($0)" } }
            return lines
        }
    }

    /// The commit that starts a conflict branch (it becomes the pull request's description): Kapso's
    /// version, the fields in conflict with both values, and the ways to resolve it.
    /// `forkedFromSync`: the branch starts at the last commit where both sides agreed.
    public static func conflict(
        folder: String, name: String, id: String, lockVersion: Int?, details: ConflictDetails, branch: String, forkedFromSync: Bool
    ) -> String {
        var lines = [
            "Kapso's version of \(folder) (lock_version \(version(lockVersion))), in conflict", "",
            "\(sentence(details.reason)) Neither side was overwritten: \(branch) keeps its files and Kapso keeps",
            "\"\(oneLine(name))\".",
        ]
        lines += details.lines
        lines += [
            "",
            forkedFromSync
                ? "This branch starts at the last commit where git and Kapso agreed on \(folder), so its diff is Kapso's change alone."
                : "The last commit where git and Kapso agreed on \(folder) was not found: this branch starts at \(branch).",
            "Merge it into \(branch) the way you like: a pull request (merge, squash or rebase), `git merge`,",
            "`git merge -s ours` to keep \(branch)'s version, or edit the files on this branch first. The next sync",
            "sends the result to Kapso with lock_version \(version(lockVersion)); a newer edit in Kapso is a new conflict.",
            "", "Kapso-Conflict: \(folder) id=\(id) lock_version=\(version(lockVersion))", "",
        ]
        return lines.joined(separator: "\n")
    }

    /// A commit added on top of a person's commits on a conflict branch when Kapso changed again:
    /// `merged` says whether Kapso's new version merged with their edits on the branch.
    public static func conflictUpdate(
        folder: String, id: String, lockVersion: Int?, merged: Bool, conflicts: [String], branch: String
    ) -> String {
        var lines = ["Kapso's newer version of \(folder) (lock_version \(version(lockVersion))), on this branch", ""]
        if merged {
            lines.append("Kapso changed \(folder) again; its change is merged with the edits already on this branch.")
        } else {
            lines += [
                "Kapso changed \(folder) again, in the same places as the edits on this branch: the files now hold",
                "Kapso's version, and the earlier commits of this branch keep those edits.",
            ]
            lines += ["", "In conflict:"] + conflicts.map { "- \(oneLine($0))" }
        }
        lines += [
            "", "Merging this branch into \(branch) sends the result with lock_version \(version(lockVersion)).", "",
            "Kapso-Conflict: \(folder) id=\(id) lock_version=\(version(lockVersion))", "",
        ]
        return lines.joined(separator: "\n")
    }

    static func sentence(_ text: String) -> String {
        let capitalised = text.prefix(1).uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }

    /// The workflow ids named by `Kapso-Conflict:` trailers: this service's conflict commits, found in a
    /// history they were merged into (a squash merge's message usually carries them too).
    public static func conflictIDs(in message: String) -> [String] {
        var ids: [String] = []
        for line in message.split(separator: "\n") where line.hasPrefix("Kapso-Conflict: ") {
            if let field = line.split(separator: " ").first(where: { $0.hasPrefix("id=") }) { ids.append(String(field.dropFirst(3))) }
        }
        return ids
    }

    static func version(_ lockVersion: Int?) -> String {
        lockVersion.map(String.init) ?? "none"
    }

    static func oneLine(_ text: String) -> String {
        // Every newline character starts with one of these bytes in UTF-8 (U+0085 with 0xC2, U+2028 and
        // U+2029 with 0xE2): text without them, nearly all, is kept as it is instead of rebuilt.
        guard text.utf8.contains(where: { (0x0A...0x0D).contains($0) || $0 == 0xC2 || $0 == 0xE2 }) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
