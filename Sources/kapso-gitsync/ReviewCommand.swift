import ArgumentParser
import Foundation
import GitStore
import WorkflowMerge
import WorkflowRepo
import WorkflowReview

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "One Markdown report of the workflows a change touches, for a pull-request comment.",
        discussion: """
            A summary table; per workflow its semantic diff, what `validate` finds in the new version, and its graph \
            (Mermaid, changes styled). With --config, Kapso is asked for each changed workflow's current version and \
            the report warns where merging will be merged with, or conflict with, an edit made in Kapso since BASE \
            (read-only requests; no state is written). The report stays under GitHub's comment limit (65,536 \
            characters) by leaving out graphs, then details, and says so. Values that look like credentials are masked. \
            Exit code 0, also when problems are found (`validate` is the check that fails a build); 2 a revision or \
            repository that cannot be read.
            """)

    @Argument(help: "The pull request's base revision (its target branch, or the merge base).")
    var base: String

    @Argument(help: "The pull request's head revision (default: HEAD).")
    var head = "HEAD"

    @Option(help: "A bare repository to read instead of a checkout.")
    var repo: String?

    @Option(help: "The folder the Kapso project lives in, as repository.root (default: the repository's root).")
    var root: String?

    @Option(help: "The checkout (default: the current directory).")
    var directory = "."

    @Option(help: "Nodes drawn per graph before unchanged regions are collapsed.")
    var maxNodes = WorkflowGraph.defaultBudget

    @Option(help: "The most characters the report may have.")
    var limit = ReviewReport.gitHubCommentLimit

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(
        name: .customLong("config"),
        help: "The service's configuration: ask Kapso what changed there since BASE (needs the API key it names).")
    var config: String?

    func validate() throws {
        guard maxNodes > 0 else { throw ValidationError("--max-nodes must be at least 1") }
        guard limit >= 1000 else { throw ValidationError("--limit must be at least 1000") }
    }

    func run() async throws {
        // With --config, the project's folder is the configuration's `repository.root` unless --root says.
        var check: Result<KapsoReviewCheck, any Error>?
        if let config { check = Result { try KapsoReviewCheck(configPath: config) } }
        let files = RevisionFiles(repo: repo, directory: directory, root: root ?? (try? check?.get())?.root)
        let before = try await files.snapshot(base)
        let after = try await files.snapshot(head)
        let changed = try await files.changedSides(from: before, to: after)
        let diff = WorkflowDiffReport.build(before: changed.before, after: changed.after)
        var workflows: [ReviewReport.Workflow] = []
        var sides: [String: (base: WorkflowMerge.Workflow?, head: WorkflowMerge.Workflow?)] = [:]
        for folder in diff.folders {
            let old = changed.before[folder.renamedFrom ?? folder.slug]
            let new = changed.after[folder.slug]
            var entry = ReviewReport.Workflow(folder: folder)
            if case .workflow(let newWorkflow)? = new {
                var oldWorkflow: WorkflowMerge.Workflow?
                if case .workflow(let workflow)? = old { oldWorkflow = workflow }
                entry.graph = WorkflowGraph(newWorkflow, against: oldWorkflow).withinBudget(maxNodes)
                sides[folder.slug] = (oldWorkflow, newWorkflow)
            } else if case .workflow(let oldWorkflow)? = old {
                sides[folder.slug] = (oldWorkflow, nil)
            }
            switch try await files.local(folder.slug, in: after) {
            case .success(let local)?: entry.problems = WorkflowValidator.validate(local).map(\.description)
            case .failure(let error)?: entry.problems = ["workflows/\(folder.slug): \(error)"]
            case nil: break
            }
            workflows.append(entry)
        }
        var kapsoUnavailable: String?
        if let check {
            do {
                let outlook = try await check.get().warnings(
                    for: diff.folders, sides: sides, baseMap: try await remoteMap(at: base, files: files))
                for index in workflows.indices { workflows[index].kapso = outlook[workflows[index].folder.slug] }
            } catch {
                kapsoUnavailable = "\(error)"
            }
        }
        let report = ReviewReport(
            title: "Kapso workflows in this change", subtitle: "`\(base)` → `\(head)`", workflows: workflows,
            kapsoUnavailable: kapsoUnavailable)
        let text = report.markdown(limit: limit)
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                RevisionFiles.fail("\(output): cannot be written (\(error.localizedDescription))")
            }
        } else {
            print(text, terminator: "")
        }
    }

    private func remoteMap(at revision: String, files: RevisionFiles) async throws -> RemoteMap? {
        guard let commit = try await files.git.commit(named: revision) else { return nil }
        guard
            let bytes = try await files.git.readFile(
                atPath: files.root.inRepository(RepositoryLayout.remoteMap), inTree: try await files.git.tree(ofCommit: commit))
        else { return nil }
        return try? RemoteMap(bytes: bytes)
    }
}
