import Foundation

/// The semantic diff of every workflow folder between two versions of a repository, and its text,
/// Markdown and JSON forms (`kapso-gitsync diff`).
public struct WorkflowDiffReport: Sendable, Equatable, Encodable {
    public struct Folder: Sendable, Equatable, Encodable {
        public var slug: String
        /// `added`, `removed`, `changed`, or `renamed` (then `renamedFrom` is the old folder).
        public var status: String
        public var renamedFrom: String?
        public var diff: WorkflowDiff?
        /// Why a side could not be read (broken JSON in one of the commits): only that is shown.
        public var unreadable: String?

        public init(slug: String, status: String, renamedFrom: String? = nil, diff: WorkflowDiff? = nil, unreadable: String? = nil) {
            self.slug = slug
            self.status = status
            self.renamedFrom = renamedFrom
            self.diff = diff
            self.unreadable = unreadable
        }
    }

    public var folders: [Folder]

    public init(folders: [Folder]) {
        self.folders = folders.sorted { $0.slug < $1.slug }
    }

    public var isEmpty: Bool { folders.isEmpty }

    public func text() -> String {
        var lines: [String] = []
        for folder in folders {
            lines.append("workflows/\(folder.slug): " + Self.heading(folder))
            if let reason = folder.unreadable { lines.append("  cannot be read: \(reason)") }
            guard let diff = folder.diff else { continue }
            for change in diff.changes {
                if let only = Self.singleField(change) {
                    lines.append("  \(change.subject): \(only.before ?? "(none)") → \(only.after ?? "(none)")")
                    continue
                }
                lines.append("  \(change.subject): \(change.what)")
                for field in change.fields {
                    if let changed = field.lines {
                        lines.append("    \(field.path):")
                        lines += changed.map { "      \($0)" }
                    } else {
                        lines.append("    \(field.path): " + Self.values(field, of: change, shown: { $0 ?? "(none)" }))
                    }
                }
            }
            if !diff.moved.isEmpty { lines.append("  \(Self.movedLine(diff.moved))") }
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public func markdown() -> String {
        guard !isEmpty else { return "No workflow changed.\n" }
        var lines: [String] = []
        for folder in folders {
            lines += ["### `\(folder.slug)`: " + Self.heading(folder), ""] + Self.markdownLines(folder) + [""]
        }
        return lines.joined(separator: "\n")
    }

    /// One folder's changes as a Markdown list, without its heading.
    public static func markdownLines(_ folder: Folder) -> [String] {
        var lines: [String] = []
        if let reason = folder.unreadable { lines.append("- cannot be read: \(reason)") }
        guard let diff = folder.diff else { return lines }
        for change in diff.changes {
            if let only = singleField(change) {
                lines.append("- **\(change.subject)**: \(code(only.before)) → \(code(only.after))")
                continue
            }
            lines.append("- **\(change.subject)**: \(change.what)")
            for field in change.fields {
                if let changed = field.lines {
                    lines += ["  - `\(field.path)`:", "    ```diff"] + changed.map { "    \($0)" } + ["    ```"]
                } else {
                    lines.append("  - `\(field.path)`: " + values(field, of: change, shown: code))
                }
            }
        }
        if !diff.moved.isEmpty { lines.append("- \(movedLine(diff.moved))") }
        return lines
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    public static func heading(_ folder: Folder) -> String {
        folder.renamedFrom.map { "renamed from \($0)" } ?? folder.status
    }

    /// A metadata field that changed as a whole (`name`): one line, not a heading and a field.
    static func singleField(_ change: WorkflowDiff.Change) -> WorkflowDiff.Field? {
        guard change.fields.count == 1, let field = change.fields.first, field.path == change.subject, field.lines == nil else {
            return nil
        }
        return field
    }

    /// `before → after`; only the value for what the change added whole (a new node's fields).
    static func values(_ field: WorkflowDiff.Field, of change: WorkflowDiff.Change, shown: (String?) -> String) -> String {
        change.what.hasPrefix("added") && field.before == nil ? shown(field.after) : "\(shown(field.before)) → \(shown(field.after))"
    }

    static func movedLine(_ moved: [String]) -> String {
        "\(moved.count) \(moved.count == 1 ? "node" : "nodes") moved (layout only): " + moved.joined(separator: ", ")
    }

    static func code(_ value: String?) -> String {
        guard let value else { return "(none)" }
        let shown = value.count > 200 ? String(value.prefix(200)) + "…" : value
        return "`" + shown.replacingOccurrences(of: "`", with: "'") + "`"
    }
}

extension WorkflowDiffReport {
    /// One side of a folder: the workflow, or why it cannot be read.
    public enum Side: Sendable, Equatable {
        case workflow(WorkflowMerge.Workflow)
        case unreadable(String)
    }

    /// The report over the folders that differ between two versions (by folder name; folders the same on
    /// both sides are left out by the caller, which need not read them). A folder removed and another
    /// added with the same definition is a rename.
    public static func build(before: [String: Side], after: [String: Side]) -> WorkflowDiffReport {
        var folders: [Folder] = []
        var removed = before.keys.filter { after[$0] == nil }.sorted()
        for slug in after.keys.sorted() {
            let new = after[slug]!
            var old = before[slug]
            var renamedFrom: String?
            if old == nil, case .workflow(let workflow) = new,
                let index = removed.firstIndex(where: {
                    if case .workflow(let candidate)? = before[$0] { candidate.definition == workflow.definition } else { false }
                })
            {
                renamedFrom = removed.remove(at: index)
                old = before[renamedFrom!]
            }
            switch (old, new) {
            case (nil, _):
                folders.append(Folder(slug: slug, status: "added", unreadable: new.reason))
            case (.workflow(let oldWorkflow)?, .workflow(let newWorkflow)):
                let diff = WorkflowDiff.between(oldWorkflow, newWorkflow)
                guard !diff.isEmpty || renamedFrom != nil else { continue }
                folders.append(Folder(slug: slug, status: renamedFrom == nil ? "changed" : "renamed", renamedFrom: renamedFrom, diff: diff))
            case (let oldSide?, _):
                folders.append(Folder(slug: slug, status: "changed", renamedFrom: renamedFrom, unreadable: oldSide.reason ?? new.reason))
            }
        }
        for slug in removed { folders.append(Folder(slug: slug, status: "removed")) }
        return WorkflowDiffReport(folders: folders)
    }
}

extension WorkflowDiffReport.Side {
    var reason: String? {
        if case .unreadable(let reason) = self { return reason }
        return nil
    }
}
