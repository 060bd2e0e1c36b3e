import CanonicalJSON
import Foundation
import KapsoFake
import SyncEngine
import TestSupport
import Testing

/// Both sides edit one workflow: edits in different places merge into one push; the same field edited
/// differently is a conflict whose branch a person merges in any of the usual ways, each recognised,
/// pushed once, and nothing lost.
@Suite struct MergeCycleTests {
    static func seed(_ fake: KapsoFake) async {
        await fake.seedGenerated(workflows: 3, nodesPerWorkflow: 10, seed: 11)
    }

    /// A workflow with two send_text nodes: its slug, id, and the two nodes.
    static func workflowWithTwoTexts(_ harness: SyncHarness) async throws -> (slug: String, id: String, first: String, second: String) {
        for workflow in await harness.fake.workflows.sorted(by: { $0.slug < $1.slug }) {
            let texts = workflow.nodes.filter { $0["data"]?["node_type"]?.stringValue == "send_text" }.compactMap { $0["id"]?.stringValue }
            if texts.count >= 2 { return (workflow.slug, workflow.id, texts[0], texts[1]) }
        }
        throw SyncHarness.HarnessError(description: "no workflow with two send_text nodes")
    }

    /// A synced harness where git rewords the first text node of a workflow with two, and Kapso makes
    /// `kapsoEdit` (given both nodes) on the same workflow.
    static func editedOnBothSides(
        withServer: Bool = false, _ kapsoEdit: @escaping @Sendable (inout FakeWorkflow, _ first: String, _ second: String) -> Void
    ) async throws -> (harness: SyncHarness, slug: String, id: String, first: String, second: String) {
        let harness = try await SyncHarness(withServer: withServer) { await Self.seed($0) }
        _ = try await harness.engine.runCycle()
        let (slug, id, first, second) = try await Self.workflowWithTwoTexts(harness)
        try await harness.personCommits("Reword in git") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) {
                $0.setMessage(node: first, to: "from git")
            }
        }
        await harness.fake.simulateEditorEdit(workflowID: id) { kapsoEdit(&$0, first, second) }
        return (harness, slug, id, first, second)
    }

    static func message(_ node: String, in workflow: FakeWorkflow?) -> String? {
        workflow?.nodes.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue
    }

    static func gitMessage(_ harness: SyncHarness, _ slug: String, _ node: String, at branch: String = "main") async throws -> String? {
        let definition = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json", at: branch))
        return definition["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == node }?["data"]?["config"]?["message"]?.stringValue
    }

    @Test func editsOfDifferentNodesInKapsoAndInGitEndInOneMergedPushAndNoBranch() async throws {
        let (harness, slug, id, first, second) = try await Self.editedOnBothSides { workflow, _, second in
            workflow.setMessage(node: second, to: "from Kapso")
            workflow.name = "Renamed in Kapso"
        }
        defer { Task { await harness.stop() } }
        let before = try #require(await harness.fake.workflow(id: id))
        await harness.fake.clearRequests()

        let report = try await harness.engine.runCycle()
        #expect(report.merged.map(\.workflow.slug) == [slug], "\(report.summaryLines())")
        #expect(report.conflicts.isEmpty && report.pushed.isEmpty)
        #expect(await harness.fake.requests().filter { $0.method == "PATCH" }.count == 1, "one write, with Kapso's lock_version")
        let after = try #require(await harness.fake.workflow(id: id))
        #expect(after.lockVersion == before.lockVersion + 1)
        #expect(Self.message(first, in: after) == "from git")
        #expect(Self.message(second, in: after) == "from Kapso")
        #expect(after.name == "Renamed in Kapso")
        #expect(try await Self.gitMessage(harness, slug, first) == "from git")
        #expect(try await Self.gitMessage(harness, slug, second) == "from Kapso")
        #expect(try await harness.git("branch", "--list", "kapso-gitsync/*").isEmpty, "no conflict branch")
        let subject = try await harness.git("log", "-1", "--format=%B", "main")
        #expect(subject.hasPrefix("Merge git's and Kapso's edits of \(slug)"), "\(subject)")
        #expect(subject.contains("from git: node \(first): data.config.message"), "\(subject)")
        #expect(subject.contains("from Kapso: node \(second): data.config.message; name"), "\(subject)")
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty)
    }

    @Test func withAutoMergeOffEditsInDifferentPlacesAreAConflict() async throws {
        let (harness, slug, id, first, _) = try await Self.editedOnBothSides { workflow, _, second in
            workflow.setMessage(node: second, to: "from Kapso")
        }
        defer { Task { await harness.stop() } }
        let engine = try harness.restartedEngine(autoMerge: false)
        let report = try await engine.runCycle()
        #expect(report.merged.isEmpty && report.conflicts.map(\.workflow) == [slug])
        #expect(Self.message(first, in: await harness.fake.workflow(id: id)) != "from git")
    }

    /// How a person merges a conflict branch.
    enum Style: String, CaseIterable, Sendable {
        /// `git merge -X theirs`: Kapso's version wherever the two differ.
        case mergeTakingKapso
        /// `git merge -X ours`: git's version where they conflict, Kapso's elsewhere.
        case mergeKeepingGit
        /// `git merge -s ours`: main's version whole; the branch only enters the history.
        case oursStrategy
        /// `git merge --squash` with the conflict edited by hand: one commit, no ancestry.
        case squash
        /// main merged into the branch with the conflict edited there (a host's web conflict editor),
        /// then the pull request merged with a merge commit.
        case webEditor
        /// main merged into the branch and resolved there, then main fast-forwarded to it.
        case fastForward
        /// The resolution committed on the branch itself, left there for a cycle, then merged.
        case commitOnTheBranch

        /// The message of the conflicting node in the end; how many writes the resolution costs.
        var expected: (message: String, patches: Int, kapsoName: Bool) {
            switch self {
            case .mergeTakingKapso: ("from Kapso", 0, true)
            case .mergeKeepingGit: ("from git", 1, true)
            case .oursStrategy: ("from git", 1, false)
            case .squash, .webEditor, .fastForward, .commitOnTheBranch: ("from both", 1, true)
            }
        }
    }

    @Test(arguments: Style.allCases)
    func aConflictResolvedByAnyMergeStyleIsPushedOnce(_ style: Style) async throws {
        let (harness, slug, id, first, _) = try await Self.editedOnBothSides { workflow, first, _ in
            workflow.setMessage(node: first, to: "from Kapso")
            workflow.name = "Renamed in Kapso"
        }
        defer { Task { await harness.stop() } }
        // Git never renamed it: its file still holds the name both sides had.
        let gitYAML = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml"), as: UTF8.self)
        let originalName = try #require(gitYAML.split(separator: "\n").first { $0.hasPrefix("name: ") }?.dropFirst(6)).description
        let conflicted = try await harness.engine.runCycle()
        #expect(conflicted.conflicts.map(\.workflow) == [slug], "\(conflicted.summaryLines())")
        let branch = "kapso-gitsync/conflict/\(slug)"
        let kapsoDefinition = try await harness.file("workflows/\(slug)/definition.json", at: branch)
        let definitionPath = "workflows/\(slug)/definition.json"
        /// The person's hand resolution: Kapso's file with their own wording of the node.
        func resolveByHand(_ checkout: URL) throws {
            let url = checkout.appendingPathComponent(definitionPath)
            try Data(kapsoDefinition).write(to: url)
            try editJSON(url) { $0.setMessage(node: first, to: "from both") }
        }

        let checkout = try await harness.personCheckout()
        let path = checkout.path
        let theirs = "origin/\(branch)"
        func git(_ commands: [String]...) async throws {
            let result = try await runGit(commands: commands, in: path)
            guard result.status == 0 else { throw SyncHarness.HarnessError(description: "\(commands): \(result.output)") }
        }
        switch style {
        case .mergeTakingKapso:
            try await git(["merge", "-q", "--no-ff", "--no-edit", "-X", "theirs", theirs], ["push", "-q", "origin", "HEAD:main"])
        case .mergeKeepingGit:
            try await git(["merge", "-q", "--no-ff", "--no-edit", "-X", "ours", theirs], ["push", "-q", "origin", "HEAD:main"])
        case .oursStrategy:
            try await git(["merge", "-q", "--no-edit", "-s", "ours", theirs], ["push", "-q", "origin", "HEAD:main"])
        case .squash:
            _ = try await runGit(["merge", "--squash", theirs], in: path)
            try resolveByHand(checkout)
            try await git(["add", "-A"], ["commit", "-q", "-m", "Resolve \(slug)"], ["push", "-q", "origin", "HEAD:main"])
        case .webEditor, .fastForward:
            try await git(["checkout", "-q", "-B", "resolve", theirs])
            _ = try await runGit(["merge", "--no-edit", "origin/main"], in: path)
            try resolveByHand(checkout)
            try await git(["add", "-A"], ["commit", "-q", "--no-edit"], ["push", "-q", "origin", "HEAD:\(branch)"])
            // The service runs while the pull request is open: the person's commits stay.
            let meanwhile = try await harness.engine.runCycle()
            #expect(meanwhile.conflicts.map(\.workflow) == [slug])
            #expect(try await harness.git("rev-parse", branch) == (try await runGit(["rev-parse", "HEAD"], in: path)).output)
            if style == .webEditor {
                try await git(["checkout", "-q", "-B", "main", "origin/main"], ["merge", "-q", "--no-ff", "--no-edit", "resolve"])
            }
            try await git(["push", "-q", "origin", "resolve:main"])
        case .commitOnTheBranch:
            try await git(["checkout", "-q", "-B", "resolve", theirs])
            try resolveByHand(checkout)
            try await git(["commit", "-qam", "Resolve on the branch"], ["push", "-q", "origin", "HEAD:\(branch)"])
            let tip = try await harness.git("rev-parse", branch)
            let meanwhile = try await harness.engine.runCycle()
            #expect(meanwhile.conflicts.map(\.workflow) == [slug])
            #expect(try await harness.git("rev-parse", branch) == tip, "the person's commit survives a cycle")
            #expect(Self.message(first, in: await harness.fake.workflow(id: id)) == "from Kapso", "nothing sent before the merge")
            try await git(
                ["checkout", "-q", "-B", "main", "origin/main"], ["merge", "-q", "--no-edit", "-X", "theirs", "resolve"],
                ["push", "-q", "origin", "HEAD:main"])
        }

        await harness.fake.clearRequests()
        let resolved = try await harness.engine.runCycle()
        #expect(resolved.conflicts.isEmpty, "\(resolved.summaryLines())")
        #expect(await harness.fake.requests().filter { $0.method == "PATCH" }.count == style.expected.patches)
        let kapso = try #require(await harness.fake.workflow(id: id))
        #expect(Self.message(first, in: kapso) == style.expected.message)
        #expect(kapso.name == (style.expected.kapsoName ? "Renamed in Kapso" : originalName))
        #expect(try await Self.gitMessage(harness, slug, first) == style.expected.message)
        #expect(try await harness.git("branch", "--list", "kapso-gitsync/*").isEmpty, "the branch is gone once resolved")
        let quiet = try await harness.engine.runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")
    }

    /// With a git server the person pushes to the branch there, and the service's commit on top reaches it
    /// as a fast-forward.
    @Test(arguments: [false, true])
    func kapsoChangingAgainAddsACommitOnTopOfThePersonsAndNeverReplacesIt(withServer: Bool) async throws {
        let (harness, slug, id, first, second) = try await Self.editedOnBothSides(withServer: withServer) { workflow, first, _ in
            workflow.setMessage(node: first, to: "from Kapso")
        }
        defer { Task { await harness.stop() } }
        let shared = harness.server ?? harness.repositoryPath
        func tip(_ revision: String) async throws -> String { try await runGit(["--git-dir", shared, "rev-parse", revision]).output }
        _ = try await harness.engine.runCycle()
        let branch = "kapso-gitsync/conflict/\(slug)"
        let checkout = try await harness.personCheckout()
        let onBranch = try await runGit(
            commands: [["checkout", "-q", "-B", "resolve", "origin/\(branch)"]], in: checkout.path)
        #expect(onBranch.status == 0)
        try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) { $0.setMessage(node: first, to: "from both") }
        #expect(
            try await runGit(commands: [["commit", "-qam", "Resolve"], ["push", "-q", "origin", "HEAD:\(branch)"]], in: checkout.path)
                .status == 0)
        let personTip = try await tip(branch)

        await harness.fake.simulateEditorEdit(workflowID: id) { $0.setMessage(node: second, to: "Kapso again") }
        let report = try await harness.engine.runCycle()
        #expect(report.conflicts.map(\.workflow) == [slug])
        #expect(try await tip("\(branch)^") == personTip, "a commit on top of the person's")
        #expect(try await Self.gitMessage(harness, slug, first, at: branch) == "from both", "their resolution is kept")
        #expect(try await Self.gitMessage(harness, slug, second, at: branch) == "Kapso again", "Kapso's new edit is merged in")

        #expect(
            try await runGit(
                commands: [
                    ["fetch", "-q", "origin"], ["checkout", "-q", "-B", "main", "origin/main"],
                    ["merge", "-q", "--no-edit", "-X", "theirs", "origin/\(branch)"], ["push", "-q", "origin", "HEAD:main"],
                ], in: checkout.path
            ).status == 0)
        let resolved = try await harness.engine.runCycle()
        #expect(resolved.pushed.map(\.slug) == [slug], "\(resolved.summaryLines())")
        let kapso = await harness.fake.workflow(id: id)
        #expect(Self.message(first, in: kapso) == "from both")
        #expect(Self.message(second, in: kapso) == "Kapso again")
        #expect(try await runGit(["--git-dir", shared, "branch", "--list", "kapso-gitsync/*"]).output.isEmpty)
    }
}
