/// The message of a pull commit: a subject a person can scan in `git log --oneline`, one line per
/// workflow, and trailers (`Kapso-Workflow: <slug> id=<id> lock_version=<n>`) a machine can read
/// with `git interpret-trailers --parse`.
public enum CommitMessage {
    public struct PulledWorkflow: Sendable, Equatable {
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

    public static func pull(_ workflows: [PulledWorkflow], cycleID: String) -> String {
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

    private static func version(_ lockVersion: Int?) -> String {
        lockVersion.map(String.init) ?? "none"
    }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
