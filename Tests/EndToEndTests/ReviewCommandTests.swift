import CanonicalJSON
import Foundation
import KapsoYAML
import TestSupport
import Testing

/// `graph` and `review` as a pull request's CI runs them: on real repositories a person committed to
/// with the `git` CLI, and (with --config) against the fake Kapso over HTTP.
@Suite struct ReviewCommandTests {
    /// A checkout of the demo workflows on `main`, and a branch `change` where a person edited a prompt,
    /// added a node and broke another workflow's edge.
    func pullRequest() async throws -> (directory: TemporaryDirectory, checkout: String) {
        let directory = try TemporaryDirectory()
        let checkout = directory.path + "/checkout"
        let demo = Fixtures.demoWorkflows
        try FileManager.default.createDirectory(atPath: checkout, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: demo.path, toPath: checkout + "/workflows")
        #expect(
            try await runGit(
                commands: [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "Import"], ["checkout", "-qb", "change"]],
                in: checkout
            )
            .status == 0)
        try edit(checkout + "/workflows/lead-qualification/definition.json") { text in
            text.replacingOccurrences(of: "Be brief and friendly.", with: "Be brief.")
                .replacingOccurrences(
                    of: "\"nodes\": [",
                    with: """
                        "nodes": [
                            {
                              "data": {"config": {"message": "Thanks!"}, "display_name": "Say thanks", "node_type": "send_text"},
                              "id": "thanks",
                              "position": {"x": 600, "y": 0},
                              "type": "flow-node"
                            },
                        """)
        }
        try edit(checkout + "/workflows/order-status/definition.json") { text in
            text.replacingOccurrences(
                of: "\"target\": \"", with: "\"target\": \"missing_", options: [], range: text.range(of: "\"target\": \""))
        }
        #expect(try await runGit(commands: [["commit", "-qam", "Edit the flows"]], in: checkout).status == 0)
        return (directory, checkout)
    }

    func edit(_ path: String, _ change: (String) -> String) throws {
        let url = URL(fileURLWithPath: path)
        try Data(change(try String(contentsOf: url, encoding: .utf8)).utf8).write(to: url)
    }

    /// A project in a folder of the repository (`--root`, as `repository.root`): the same review.
    @Test func reviewReadsAProjectInAFolderOfTheRepository() async throws {
        let (directory, checkout) = try await pullRequest()
        _ = directory
        #expect(try await runGit(["checkout", "-q", "main"], in: checkout).status == 0)
        try FileManager.default.createDirectory(atPath: checkout + "/kapso-project", withIntermediateDirectories: true)
        let moved = try await runGit(
            commands: [
                ["mv", "workflows", "kapso-project/workflows"], ["commit", "-qm", "Move the project"],
                ["checkout", "-q", "change"], ["merge", "-q", "main", "-m", "Take the move"],
            ], in: checkout)
        try #require(moved.status == 0, "\(moved.output)")
        let atRoot = try await ProcessRunner.run("kapso-gitsync", ["review", "main", "change"], directory: checkout)
        #expect(atRoot.standardOutput.contains("No workflow changed"), "without --root nothing is found: \(atRoot.combined)")
        let review = try await ProcessRunner.run(
            "kapso-gitsync", ["review", "main", "change", "--root", "kapso-project"], directory: checkout)
        #expect(
            review.standardOutput.contains("lead-qualification") && review.standardOutput.contains("order-status"), "\(review.combined)")
        let graph = try await ProcessRunner.run(
            "kapso-gitsync", ["graph", "lead-qualification", "--root", "kapso-project", "--against", "main"], directory: checkout)
        #expect(graph.status == 0 && graph.standardOutput.contains("Say thanks"), "\(graph.combined)")
        // With --config, the configuration's repository.root is the folder (Kapso itself is not reached here).
        let config = directory.path + "/config.yaml"
        try Data(
            "kapso:\n  api_url: http://127.0.0.1:9/platform/v1\n  max_attempts: 1\nrepository:\n  path: r.git\n  root: kapso-project\n".utf8
        ).write(to: URL(fileURLWithPath: config))
        let configured = try await ProcessRunner.run(
            "kapso-gitsync", ["review", "main", "change", "--config", config], environment: ["KAPSO_API_KEY": "review-key"],
            directory: checkout)
        #expect(configured.standardOutput.contains("lead-qualification"), "\(configured.combined)")
        #expect(!configured.combined.contains("review-key"))
    }

    @Test func graphDrawsAWorkflowInMermaidAndDOTWithItsChangesStyled() async throws {
        let (directory, checkout) = try await pullRequest()
        _ = directory
        let mermaid = try await ProcessRunner.run(
            "kapso-gitsync", ["graph", "lead-qualification", "--against", "main"], directory: checkout)
        #expect(mermaid.status == 0, "\(mermaid.combined)")
        #expect(mermaid.standardOutput.hasPrefix("flowchart TD\n"))
        #expect(mermaid.standardOutput.contains("[\"Say thanks<br/>send_text\"]"), "\(mermaid.standardOutput)")
        #expect(mermaid.standardOutput.contains("classDef added") && mermaid.standardOutput.contains("classDef changed"))

        let dot = try await ProcessRunner.run(
            "kapso-gitsync", ["graph", "lead-qualification", "--rev", "change", "--against", "main", "--format", "dot"], directory: checkout
        )
        #expect(dot.status == 0 && dot.standardOutput.hasPrefix("digraph \"lead-qualification\" {\n"), "\(dot.combined)")
        if let path = GraphvizDot.path {
            let file = directory.path + "/graph.dot"
            try Data(dot.standardOutput.utf8).write(to: URL(fileURLWithPath: file))
            let rendered = try await runProcess(URL(fileURLWithPath: path), ["-Tsvg", file])
            #expect(rendered.status == 0 && rendered.standardOutput.contains("<svg"), "\(rendered.standardError)")
        }
        let missing = try await ProcessRunner.run("kapso-gitsync", ["graph", "no-such-flow"], directory: checkout)
        #expect(missing.status == 2 && missing.standardError.contains("workflows/no-such-flow: no such workflow"), "\(missing.combined)")
    }

    @Test func reviewWritesOneMarkdownReportOfAPullRequest() async throws {
        let (directory, checkout) = try await pullRequest()
        let output = directory.path + "/review.md"
        let review = try await ProcessRunner.run("kapso-gitsync", ["review", "main", "change", "--output", output], directory: checkout)
        #expect(review.status == 0, "\(review.combined)")
        let report = try String(contentsOfFile: output, encoding: .utf8)
        #expect(report.hasPrefix("## Kapso workflows in this change\n\n`main` → `change`\n\n| Workflow | Change |"), "\(report)")
        #expect(report.contains("| `lead-qualification` | changed | 1 added, 1 changed |  |  | ✅ |"), "\(report)")
        #expect(report.contains("| `order-status` | changed |  | 1 added, 1 removed |  | ❌ 1 |"), "\(report)")
        #expect(report.contains("- **node thanks**: added (send_text)"))
        #expect(report.contains("    -Be brief and friendly.\n    +Be brief.\n"))
        #expect(report.contains("- ❌ workflows/order-status/definition.json"), "the validator's finding: \(report)")
        #expect(report.contains("```mermaid\nflowchart TD\n"))

        let bare = directory.path + "/bare.git"
        #expect(try await runGit(["clone", "-q", "--bare", checkout, bare]).status == 0)
        let fromBare = try await ProcessRunner.run("kapso-gitsync", ["review", "main", "change", "--repo", bare, "--limit", "2000"])
        #expect(fromBare.status == 0 && fromBare.standardOutput.utf8.count <= 2000, "\(fromBare.combined)")
        #expect(try await ProcessRunner.run("kapso-gitsync", ["review", "no-such-base"], directory: checkout).status == 2)
    }

    /// With the service's configuration, each changed workflow is compared with what Kapso holds now.
    @Test(Fixtures.required) func reviewWarnsWhereKapsoChangedTheWorkflowSinceTheBase() async throws {
        let setup = try await EndToEndSetup.forSync()
        defer { Task { await setup.fake.stop() } }
        let first = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        #expect(first.status == 0, "\(first.combined)")
        let checkout = setup.directory.path + "/person"
        #expect(
            try await runGit(commands: [["clone", "-q", setup.repository, checkout], ["-C", checkout, "checkout", "-qb", "change"]]).status
                == 0)
        try edit(checkout + "/workflows/medicopay/definition.json") {
            $0.replacingOccurrences(of: "Inténtalo de nuevo.", with: "Prueba otra vez.")
        }
        let merged = try #require(await setup.fake.workflow(slug: "medicopay"))
        await setup.fake.simulateEditorEdit(workflowID: merged.id) { $0.name = "Renamed in Kapso" }
        let conflicting = try #require(await setup.fake.workflow(slug: "report-sender"))
        await setup.fake.simulateEditorEdit(workflowID: conflicting.id) { $0.name = "Renamed in Kapso" }
        try edit(checkout + "/workflows/report-sender/workflow.yaml") {
            $0.replacingOccurrences(of: "name: \(conflicting.name)\n", with: "name: Renamed in git\n")
        }
        #expect(try await runGit(commands: [["commit", "-qam", "Edit"]], in: checkout).status == 0)

        let review = try await ProcessRunner.run(
            "kapso-gitsync", ["review", "main", "change", "--config", setup.configPath], environment: setup.environment, directory: checkout
        )
        #expect(review.status == 0, "\(review.combined)")
        let report = review.standardOutput
        #expect(
            report.contains("> ⚠️ `medicopay`: changed in Kapso since the base (name): merging this will be merged with Kapso's edit."),
            "\(report)")
        #expect(
            report.contains(
                "> ⚠️ `report-sender`: changed in Kapso since the base (name): merging this will be a conflict: name: git has \"Renamed in git\", Kapso has \"Renamed in Kapso\"."
            ), "\(report)")
        #expect(!review.combined.contains(setup.apiKey))
    }

    /// The CI recipes in `examples/` are YAML their hosts read, and the `kapso-gitsync` commands in them
    /// do what the recipes rely on, run by a shell as the recipes run them, on a real pull request.
    @Test(arguments: ["github-actions/kapso-review.yml", "gitlab-ci/kapso-review.gitlab-ci.yml"])
    func theCIRecipesCommandsWorkOnARealPullRequest(recipe: String) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("examples/\(recipe)"), encoding: .utf8)
        #expect(try YAMLNodeConverter.parse(text).objectValue != nil, "\(recipe) is a YAML mapping")
        let commands = text.split(separator: "\n").map { line in
            line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "run: ", with: "")
        }.compactMap { line -> String? in
            let command = line.hasPrefix("- ") ? String(line.dropFirst(2)) : line
            return command.hasPrefix("kapso-gitsync ") ? command : nil
        }
        #expect(
            commands.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
                "kapso-gitsync review", "kapso-gitsync validate",
            ])

        let (directory, checkout) = try await pullRequest()
        _ = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = ProcessRunner.binaryDirectory.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["BASE"] = "main"
        environment.removeValue(forKey: "KAPSO_API_KEY")
        let review = try await runProcess(
            URL(fileURLWithPath: "/bin/bash"), ["-c", commands[0]], environment: environment, directory: checkout)
        #expect(review.status == 0, "\(review.combined)")
        let report = try String(contentsOfFile: checkout + "/kapso-review.md", encoding: .utf8)
        #expect(report.contains("| `lead-qualification` | changed |") && report.utf8.count <= 65_000, "\(report)")
        let validate = try await runProcess(
            URL(fileURLWithPath: "/bin/bash"), ["-c", commands[1]], environment: environment, directory: checkout)
        #expect(validate.status == 1, "the pull request breaks an edge: the check fails")
        #expect(validate.standardOutput.contains("workflows/order-status/definition.json"), "\(validate.combined)")
    }
}
