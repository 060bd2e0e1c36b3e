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

        public init(slug: String, name: String, id: String, lockVersion: Int?, isNew: Bool) {
            self.slug = slug
            self.name = name
            self.id = id
            self.lockVersion = lockVersion
            self.isNew = isNew
        }
    }

    public static func pull(_ workflows: [SyncedWorkflow], cycleID: String) -> String {
        let sorted = workflows.sorted { $0.slug < $1.slug }
        let subject: String
        if sorted.count == 1, let only = sorted.first {
            subject = "Pull \(only.slug) from Kapso (lock_version \(version(only.lockVersion)))"
        } else {
            let added = sorted.filter(\.isNew).count
            subject =
                "Pull \(sorted.count) workflows from Kapso" + (added > 0 ? " (\(added) new)" : "")
        }
        var lines = [subject, ""]
        for workflow in sorted {
            let verb = workflow.isNew ? "add" : "update"
            lines.append("- \(verb) \(workflow.slug) \"\(oneLine(workflow.name))\" at lock_version \(version(workflow.lockVersion))")
        }
        lines.append("")
        for workflow in sorted {
            lines.append("Kapso-Workflow: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        lines.append("Kapso-Sync-Cycle: \(cycleID)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A cycle's commit: the pull message when nothing was pushed; otherwise pushes and pulls together,
    /// with a `Kapso-Pushed` trailer per push.
    public static func cycle(
        pulled: [SyncedWorkflow], pushed: [SyncedWorkflow], archived: [String] = [], removed: [String] = [], cycleID: String
    ) -> String {
        guard !pushed.isEmpty || !archived.isEmpty || !removed.isEmpty else { return pull(pulled, cycleID: cycleID) }
        let subject: String
        if pulled.isEmpty, archived.isEmpty, removed.isEmpty, pushed.count == 1, let only = pushed.first {
            subject = "Record push of \(only.slug) to Kapso (now lock_version \(version(only.lockVersion)))"
        } else {
            var parts = ["\(pushed.count) pushed", "\(pulled.count) pulled"]
            if !archived.isEmpty { parts.append("\(archived.count) archived") }
            if !removed.isEmpty { parts.append("\(removed.count) removed") }
            subject = "Sync with Kapso: " + parts.joined(separator: ", ")
        }
        var lines = [subject, ""]
        for slug in archived.sorted() { lines.append("- archive \(slug) in Kapso: its folder was removed in git") }
        for slug in removed.sorted() { lines.append("- remove workflows/\(slug): the workflow is gone from Kapso") }
        for workflow in pushed.sorted(by: { $0.slug < $1.slug }) {
            lines.append(
                "- push \(workflow.slug) \"\(oneLine(workflow.name))\", Kapso's form recorded at lock_version \(version(workflow.lockVersion))"
            )
        }
        for workflow in pulled.sorted(by: { $0.slug < $1.slug }) {
            let verb = workflow.isNew ? "add" : "update"
            lines.append("- \(verb) \(workflow.slug) \"\(oneLine(workflow.name))\" at lock_version \(version(workflow.lockVersion))")
        }
        lines.append("")
        for workflow in pushed.sorted(by: { $0.slug < $1.slug }) {
            lines.append("Kapso-Pushed: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        for workflow in pulled.sorted(by: { $0.slug < $1.slug }) {
            lines.append("Kapso-Workflow: \(workflow.slug) id=\(workflow.id) lock_version=\(version(workflow.lockVersion))")
        }
        lines.append("Kapso-Sync-Cycle: \(cycleID)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The commit on a conflict branch: Kapso's version, and what to do with it.
    public static func conflict(folder: String, name: String, id: String, lockVersion: Int?, reason: String, branch: String) -> String {
        """
        Kapso's version of \(folder) (lock_version \(version(lockVersion))), in conflict

        \(reason.prefix(1).uppercased() + reason.dropFirst()). Neither side was overwritten: \(branch) keeps
        its files and Kapso keeps "\(oneLine(name))". Merge this branch into \(branch), resolving as you
        choose; the next sync sends the result to Kapso.

        Kapso-Conflict: \(folder) id=\(id) lock_version=\(version(lockVersion))

        """
    }

    private static func version(_ lockVersion: Int?) -> String {
        lockVersion.map(String.init) ?? "none"
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
