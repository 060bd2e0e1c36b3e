import CanonicalJSON
import Foundation
import GitStore
import KapsoAPI
import KapsoFake
import KapsoModels
import Logging
import SyncEngine
import TestSupport
import Testing

/// `repository.root`: a Kapso project in a folder of the repository, and two projects (two Kapso
/// projects, two instances) in one repository, each in its own folder, without stepping on each other.
@Suite struct ProjectRootTests {
    @Test(arguments: [
        ("", "workflows/a/definition.json", "workflows/a/definition.json", "workflows/a/definition.json" as String?),
        ("kapso", "workflows/a/definition.json", "kapso/workflows/a/definition.json", "workflows/a/definition.json"),
        ("/projects/sales/", ".kapso/remote-map.json", "projects/sales/.kapso/remote-map.json", ".kapso/remote-map.json"),
        ("kapso", "README.md", "kapso/README.md", "README.md"),
    ])
    func projectPathsAndRepositoryPaths(root: String, projectPath: String, repositoryPath: String, back: String?) {
        let projectRoot = ProjectRoot(root)
        #expect(projectRoot.inRepository(projectPath) == repositoryPath)
        #expect(projectRoot.inProject(repositoryPath) == back)
        #expect(ProjectRoot("kapso").inProject("kapso-other/workflows/a/definition.json") == nil)
        #expect(ProjectRoot("kapso").inProject("README.md") == nil)
    }

    @Test func twoProjectsInOneRepositorySyncIndependently() async throws {
        // Project A through the harness, in kapso-a/; project B, another Kapso project, in kapso-b/.
        let harness = try await SyncHarness(configure: { $0.root = ProjectRoot("kapso-a") }) {
            await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3, seed: 1)
        }
        defer { Task { await harness.stop() } }
        let fakeB = KapsoFake(options: .init(apiKey: SyncHarness.apiKey, seed: 99))
        await fakeB.seedGenerated(workflows: 3, nodesPerWorkflow: 3, seed: 7)
        let urlB = try await fakeB.start()
        defer { Task { await fakeB.stop() } }
        let clientB = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: urlB, apiKey: APIKey(SyncHarness.apiKey), retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)),
                requestsPerMinute: 0))
        var configurationB = harness.engine.configuration
        configurationB.root = ProjectRoot("kapso-b")
        configurationB.stateDirectory = harness.directory.path + "/state-b"
        let engineB = SyncEngine(
            client: clientB, git: try GitStore(path: harness.repositoryPath, createIfMissing: false), configuration: configurationB,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))

        #expect(try await harness.engine.runCycle().pulled.count == 2)
        #expect(try await engineB.runCycle().pulled.count == 3)
        let files = try await harness.git("ls-tree", "-r", "--name-only", "main").split(separator: "\n").map(String.init)
        #expect(files.filter { $0.hasPrefix("kapso-a/workflows/") }.count == 4)
        #expect(files.filter { $0.hasPrefix("kapso-b/workflows/") }.count == 6)
        #expect(files.contains("kapso-a/.kapso/remote-map.json") && files.contains("kapso-b/.kapso/remote-map.json"))
        #expect(files.contains("kapso-a/kapso.yaml") && files.contains("kapso-b/kapso.yaml"))
        #expect(!files.contains { $0.hasPrefix("workflows/") || $0.hasPrefix(".kapso/") }, "nothing at the repository's root: \(files)")

        // A person edits one workflow of B and adds a file of their own at the root; Kapso A changes one.
        let targetB = try #require(await fakeB.workflows.first)
        let node = try #require(
            targetB.nodes.first { $0["data"]?["node_type"]?.stringValue == "send_text" }?["id"]?.stringValue, "a send_text node")
        try await harness.personCommits("Reword in project B, add a README") { checkout in
            try editJSON(checkout.appendingPathComponent("kapso-b/workflows/\(targetB.slug)/definition.json")) {
                $0.setMessage(node: node, to: "Edited in git, project B")
            }
            try Data("Our flows\n".utf8).write(to: checkout.appendingPathComponent("README.md"))
        }
        let targetA = try #require(await harness.fake.workflows.first)
        await harness.fake.simulateEditorEdit(workflowID: targetA.id) { $0.name = "Renamed in Kapso A" }

        let cycleA = try await harness.engine.runCycle()
        #expect(cycleA.pulled.map(\.slug) == [targetA.slug])
        #expect(cycleA.pushed.isEmpty && cycleA.conflicts.isEmpty && cycleA.invalid.isEmpty, "\(cycleA.summaryLines())")
        let cycleB = try await engineB.runCycle()
        #expect(cycleB.pushed.map(\.slug) == [targetB.slug], "\(cycleB.summaryLines())")
        #expect(cycleB.pulled.isEmpty && cycleB.conflicts.isEmpty, "\(cycleB.summaryLines())")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "nothing of B's reached Kapso A")
        let definitionB = try #require(await fakeB.workflow(id: targetB.id))
        #expect("\(definitionB.nodes)".contains("Edited in git, project B"))

        // Both settle: nothing left to do on either side; the person's README is untouched.
        #expect(!(try await harness.engine.runCycle().hasChanges))
        #expect(!(try await engineB.runCycle().hasChanges))
        #expect(try await harness.file("README.md") == Array("Our flows\n".utf8))
        #expect(try await harness.file("kapso-a/workflows/\(targetA.slug)/workflow.yaml").count > 0)
    }
}
