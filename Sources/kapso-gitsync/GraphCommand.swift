import ArgumentParser
import Foundation
import WorkflowMerge
import WorkflowReview

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a workflow as a flowchart, in Mermaid (GitHub and GitLab draw it in comments) or DOT (Graphviz).",
        discussion: """
            Nodes show their display name (or id) and type; edges their label. With --against, nodes and edges added \
            (green), changed (yellow) and removed (red, dashed) since that revision are styled. Past --max-nodes, the \
            unchanged regions farthest from a change (or from the start) become one node each ("12 unchanged nodes"); \
            a changed node is never hidden. Render DOT with `dot -Tsvg`. Exit code 2: no such workflow or revision.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case mermaid, dot }

    @Argument(help: "The workflow's folder under workflows/.")
    var slug: String

    @Option(help: "The revision to draw (default: the working tree of a checkout, HEAD of a --repo).")
    var rev: String?

    @Option(help: "A revision to compare with: changes since it are styled.")
    var against: String?

    @Option(help: "mermaid or dot.")
    var format: Format = .mermaid

    @Option(help: "Nodes drawn before unchanged regions are collapsed.")
    var maxNodes = WorkflowGraph.defaultBudget

    @Option(help: "A bare repository to read instead of a checkout.")
    var repo: String?

    @Option(help: "The folder the Kapso project lives in, as repository.root (default: the repository's root).")
    var root: String?

    @Option(help: "The checkout (default: the current directory).")
    var directory = "."

    func validate() throws {
        guard maxNodes > 0 else { throw ValidationError("--max-nodes must be at least 1") }
    }

    func run() async throws {
        let files = RevisionFiles(repo: repo, directory: directory, root: root)
        let drawn = try await workflow(at: rev ?? (repo == nil ? nil : "HEAD"), files: files)
        var base: WorkflowMerge.Workflow?
        if let against { base = try await workflow(at: against, files: files) }
        guard let current = drawn ?? base.map({ _ in WorkflowMerge.Workflow(definition: [:], metadata: [:]) }) else {
            RevisionFiles.fail("workflows/\(slug): no such workflow at \(rev ?? (repo == nil ? "the working tree" : "HEAD"))")
        }
        let graph = WorkflowGraph(current, against: base).withinBudget(maxNodes)
        switch format {
        case .mermaid: print(MermaidFlowchart.render(graph), terminator: "")
        case .dot: print(DOTGraph.render(graph, name: slug), terminator: "")
        }
    }

    private func workflow(at revision: String?, files: RevisionFiles) async throws -> WorkflowMerge.Workflow? {
        switch try await files.side(slug, in: try await files.snapshot(revision)) {
        case .workflow(let workflow)?: return workflow
        case .unreadable(let reason)?: RevisionFiles.fail("workflows/\(slug) cannot be read: \(reason)")
        case nil: return nil
        }
    }
}
