import ArgumentParser
import Foundation
import WorkflowMerge

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The semantic diff of the workflows between two commits, or a commit and the working tree.",
        discussion: """
            In a checkout (any repository in the Kapso CLI layout): `diff` compares HEAD with the working tree, `diff A` \
            compares A with the working tree, `diff A B` compares two commits. With --repo (a bare repository): `diff` \
            compares HEAD~1 with HEAD, `diff A` compares A with HEAD. Per workflow: added, removed, renamed; nodes, edges \
            and triggers added, removed and changed, with every changed field's values; texts as the lines that changed; \
            nodes that only moved counted on one line. Values that look like credentials are masked. \
            Exit code 0 (with --exit-code: 0 no change, 1 changes), 2 a revision or repository that cannot be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

    @Argument(help: "Up to two revisions (as git names them: HEAD, main, HEAD~2, a commit id).")
    var revisions: [String] = []

    @Option(help: "A bare repository to read instead of a checkout.")
    var repo: String?

    @Option(help: "The folder the Kapso project lives in, as repository.root (default: the repository's root).")
    var root: String?

    @Option(help: "The checkout (default: the current directory).")
    var directory = "."

    @Option(help: "text, markdown or json.")
    var format: Format = .text

    @Flag(help: "Exit 1 when a workflow changed, 0 when none did (as git diff --exit-code).")
    var exitCode = false

    func validate() throws {
        guard revisions.count <= 2 else { throw ValidationError("at most two revisions") }
    }

    func run() async throws {
        let files = RevisionFiles(repo: repo, directory: directory, root: root)
        let (old, new): (String, String?) =
            if repo != nil {
                switch revisions.count {
                case 0: ("HEAD~1", "HEAD")
                case 1: (revisions[0], "HEAD")
                default: (revisions[0], revisions[1])
                }
            } else {
                (revisions.first ?? "HEAD", revisions.count == 2 ? revisions[1] : nil)
            }
        let sides = try await files.changedSides(from: try await files.snapshot(old), to: try await files.snapshot(new))
        let report = WorkflowDiffReport.build(before: sides.before, after: sides.after)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .markdown: print(report.markdown(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        }
        if exitCode && !report.isEmpty { throw ExitCode(1) }
    }
}
