import WorkflowMerge

/// One Markdown report of a change to a repository's workflows, for a pull-request comment: a summary
/// table, then per workflow its semantic diff, its checks, what Kapso holds (when asked), and its graph.
/// It never passes `limit` characters (GitHub refuses comments over 65,536): graphs are dropped first,
/// then whole sections, with a note that says so.
public struct ReviewReport: Sendable {
    public struct Workflow: Sendable {
        public var folder: WorkflowDiffReport.Folder
        /// The graph of the new version against the old one, already within its node budget.
        public var graph: WorkflowGraph?
        /// The validator's findings on the new version (empty: valid).
        public var problems: [String]
        /// What merging this means given Kapso's current version, when Kapso was asked.
        public var kapso: String?

        public init(folder: WorkflowDiffReport.Folder, graph: WorkflowGraph? = nil, problems: [String] = [], kapso: String? = nil) {
            self.folder = folder
            self.graph = graph
            self.problems = problems
            self.kapso = kapso
        }
    }

    public static let gitHubCommentLimit = 65_536

    public var title: String
    public var workflows: [Workflow]
    /// A line that says how the report was made (revisions compared), shown under the title.
    public var subtitle: String?
    /// Why Kapso could not be asked, when it was meant to be.
    public var kapsoUnavailable: String?

    public init(title: String, subtitle: String? = nil, workflows: [Workflow], kapsoUnavailable: String? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.workflows = workflows.sorted { $0.folder.slug < $1.folder.slug }
        self.kapsoUnavailable = kapsoUnavailable
    }

    public func markdown(limit: Int = gitHubCommentLimit) -> String {
        var head = ["## \(title)", ""]
        if let subtitle { head += [subtitle, ""] }
        guard !workflows.isEmpty else { return (head + ["No workflow changed.", ""]).joined(separator: "\n") }
        head += summaryTable(maximumBytes: limit / 2) + [""]
        if let kapsoUnavailable { head += ["> ⚠️ Kapso could not be asked what it holds: \(kapsoUnavailable)", ""] }
        let warnings = workflows.compactMap { workflow in workflow.kapso.map { "> ⚠️ `\(workflow.folder.slug)`: \($0)" } }
        if !warnings.isEmpty { head += warnings + [""] }
        var text = head.joined(separator: "\n") + "\n"
        let room = { (extra: Int) in limit - text.utf8.count - extra }
        var left = 0
        for (index, workflow) in workflows.enumerated() {
            let remaining = workflows.count - index - 1
            let reserve = remaining > 0 ? 400 : 200
            let full = section(workflow, graph: true)
            if full.utf8.count <= room(reserve) {
                text += full
                continue
            }
            let lean = section(workflow, graph: false)
            if lean.utf8.count <= room(reserve) {
                text += lean + "_The graph of `\(workflow.folder.slug)` is left out: the comment would pass its size limit._\n\n"
                continue
            }
            left = workflows.count - index
            break
        }
        if left > 0 {
            text +=
                "_\(left) more \(left == 1 ? "workflow is" : "workflows are") in the table but not detailed here: the comment would pass "
                + "its size limit of \(limit) characters. `kapso-gitsync diff` shows everything._\n"
        }
        return text
    }

    /// The table, cut short (with a row that says so) past `maximumBytes`.
    private func summaryTable(maximumBytes: Int) -> [String] {
        var lines = ["| Workflow | Change | Nodes | Edges | Triggers | Checks |", "|---|---|---|---|---|---|"]
        var bytes = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        for (index, workflow) in workflows.enumerated() {
            let folder = workflow.folder
            let change = folder.renamedFrom.map { "renamed from `\($0)`" } ?? folder.status
            var counts = Counts(folder.diff)
            if folder.status == "added", let graph = workflow.graph {
                let total = graph.nodes.reduce(0) { $0 + ($1.standsFor ?? 1) }
                counts.nodes = "\(total) \(total == 1 ? "node" : "nodes")"
            }
            let checks =
                folder.unreadable != nil
                ? "❌ cannot be read"
                : folder.status == "removed" ? "" : workflow.problems.isEmpty ? "✅" : "❌ \(workflow.problems.count)"
            let kapso = workflow.kapso == nil ? "" : " ⚠️"
            let row = "| `\(folder.slug)`\(kapso) | \(change) | \(counts.nodes) | \(counts.edges) | \(counts.triggers) | \(checks) |"
            bytes += row.utf8.count + 1
            guard bytes <= maximumBytes else {
                lines.append("| … | \(workflows.count - index) more workflows | | | | |")
                break
            }
            lines.append(row)
        }
        return lines
    }

    private func section(_ workflow: Workflow, graph withGraph: Bool) -> String {
        let folder = workflow.folder
        var lines = ["### `\(folder.slug)`: " + WorkflowDiffReport.heading(folder), ""]
        let changes = WorkflowDiffReport.markdownLines(folder)
        if !changes.isEmpty { lines += changes + [""] }
        if !workflow.problems.isEmpty {
            lines += ["**Checks** (what a sync would refuse):", ""] + workflow.problems.map { "- ❌ \($0)" } + [""]
        }
        if let kapso = workflow.kapso { lines += ["**Kapso**: \(kapso)", ""] }
        if withGraph, let graph = workflow.graph {
            let standIns = graph.nodes.filter { $0.standsFor != nil }
            let hidden = standIns.reduce(0) { $0 + ($1.standsFor ?? 0) }
            var summary = "Graph: \(graph.nodes.count - standIns.count) nodes"
            if hidden > 0 { summary += " shown, \(hidden) unchanged collapsed" }
            lines += ["<details><summary>\(summary)</summary>", "", "```mermaid"]
            lines.append(MermaidFlowchart.render(graph).trimmingSuffixNewline())
            lines += ["```", "", "</details>", ""]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// What the summary table counts in one workflow's diff.
private struct Counts {
    var nodes = ""
    var edges = ""
    var triggers = ""

    init(_ diff: WorkflowDiff?) {
        guard let diff else { return }
        func tally(_ prefix: String) -> String {
            var counts: [String: Int] = [:]
            for change in diff.changes where change.subject.hasPrefix(prefix) {
                let what = change.what.split(separator: " (").first.map(String.init) ?? change.what
                counts[what, default: 0] += 1
            }
            return counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        nodes = tally("node ")
        if !diff.moved.isEmpty { nodes += (nodes.isEmpty ? "" : ", ") + "\(diff.moved.count) moved" }
        edges = tally("edge ")
        triggers = tally("trigger ")
    }
}

extension String {
    fileprivate func trimmingSuffixNewline() -> String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
