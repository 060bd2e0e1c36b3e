import ArgumentParser
import CanonicalJSON
import Foundation
import GitStore
import GitSyncConfig
import KapsoFake
import Logging
import SyncEngine
import WorkflowRepo

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sync the built-in fake Kapso into a local repository, edit a workflow in 'Kapso', sync again.")

    @Option(help: "Where to create the demo repository and state: a new or empty folder, or one an earlier demo made (replaced).")
    var directory = "demo-output"

    /// Left in the folder a demo makes, so that the next demo may replace it and nothing else.
    static let marker = ".kapso-gitsync-demo"

    @Option(
        help:
            "Workflow folders in the Kapso CLI layout to seed the fake with (default: Config/demo-workflows, or Config/demo-flows with --api legacy)."
    )
    var seed: String?

    @Option(help: "The Kapso API the demo syncs through: platform (the workflows API) or legacy (the Flows API).")
    var api = Configuration.KapsoAPI.platform

    func validate() throws {
        if seed == nil, api == .legacy, !FileManager.default.fileExists(atPath: "Config/demo-flows") {
            throw ValidationError("no Config/demo-flows here: run the demo from the repository's folder, or give --seed")
        }
    }

    func run() async throws {
        let logger = Runtime.makeLogger(level: "warning")
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        try Self.prepare(root)

        // A throwaway key, held in memory and in a file readable only by this user: never on a command line.
        let apiKey = "demo-" + UUID().uuidString
        let fake = KapsoFake(options: .init(apiKey: apiKey))
        let seed = self.seed ?? (api == .legacy ? "Config/demo-flows" : "Config/demo-workflows")
        if FileManager.default.fileExists(atPath: seed) {
            try await fake.seed(fromDirectory: seed)
        } else {
            await fake.seedGenerated(workflows: 5, nodesPerWorkflow: 6)
        }
        let platformURL = try await fake.start()
        let apiURL = api == .legacy ? await fake.legacyBaseURL ?? platformURL : platformURL
        let keyFile = root.appendingPathComponent("api-key")
        guard FileManager.default.createFile(atPath: keyFile.path, contents: Data(apiKey.utf8), attributes: [.posixPermissions: 0o600])
        else { Runtime.fail("cannot write \(keyFile.path)") }
        let configFile = root.appendingPathComponent("kapso-gitsync.yaml")
        let configText = """
            kapso:
              api: \(api.rawValue)
              api_url: \(apiURL.absoluteString)
              api_key_file: api-key
            repository:
              path: repo.git
              branch: main
              author_name: kapso-gitsync demo
              author_email: demo@kapso-gitsync.invalid
            state:
              directory: state

            """
        try Data(configText.utf8).write(to: configFile)
        let configuration = try ConfigurationLoader.load(path: configFile.path, environment: [:])
        let engine = try Runtime.makeEngine(configuration: configuration, logger: logger)

        print("1. Fake Kapso (\(api.rawValue) API) listening on \(apiURL.absoluteString) with \(await fake.workflows.count) workflows.")
        print("2. First sync into \(configuration.repositoryPath):")
        try await runAndPrint(engine)

        let seeded = await fake.workflows
        guard let edited = seeded.first(where: { $0.nodes.contains(where: Self.isSendText) }) ?? seeded.first else { return }
        await fake.simulateEditorEdit(workflowID: edited.id) { workflow in
            workflow.name += " (edited)"
            if let index = workflow.nodes.firstIndex(where: Self.isSendText),
                case .object(var node) = workflow.nodes[index], case .object(var data)? = node["data"],
                case .object(var config)? = data["config"]
            {
                config["message"] = "Hola 👋 This message was edited in the Kapso editor."
                data["config"] = .object(config)
                node["data"] = .object(data)
                workflow.nodes[index] = .object(node)
            }
        }
        // The folder the sync gave the workflow: its slug, or on the legacy API one made from its name.
        let folder = try await folder(of: edited.id, in: engine.git) ?? edited.slug
        print("3. Someone edits \(folder) in the Kapso editor; the next sync pulls it:")
        try await runAndPrint(engine)
        print("4. A sync with nothing new writes nothing:")
        try await runAndPrint(engine)

        let changed = try await commitAsAPerson(engine.git, slug: folder)
        print("5. A person changes \(changed) in git (a merged pull request); the next sync sends it to Kapso:")
        try await runAndPrint(engine)
        if let pushed = await fake.workflow(id: edited.id) {
            print(
                api == .legacy
                    ? "   Kapso's flow was updated at \(pushed.updatedAt) (the legacy API has no lock_version)."
                    : "   Kapso now has lock_version \(pushed.lockVersion) for \(changed).")
        }

        await fake.simulateEditorEdit(workflowID: edited.id) { $0.name += ", renamed in Kapso" }
        _ = try await commitAsAPerson(
            engine.git, slug: folder, message: "Changed in git while Kapso renamed the workflow: both edits are kept.")
        print("6. At the same time Kapso renames \(changed) and a person rewords it in git; the next sync merges both:")
        try await runAndPrint(engine)
        await fake.stop()

        let gitDir = configuration.repositoryPath
        print(
            """

            Look at the result:
              git --git-dir \(gitDir) log --stat
              git --git-dir \(gitDir) show HEAD
              git clone \(gitDir) \(root.appendingPathComponent("checkout").path)
            """)
    }

    /// What a merged pull request does, written with libgit2 so the demo needs no git binary:
    /// a commit on main that rewords the first text message of a workflow.
    private func commitAsAPerson(
        _ git: GitStore, slug: String, message: String = "Reviewed in a pull request and merged: this text came from git."
    ) async throws -> String {
        guard let head = try await git.resolve(reference: "refs/heads/main") else { return slug }
        let tree = try await git.tree(ofCommit: head)
        let path = "workflows/\(slug)/definition.json"
        guard let bytes = try await git.readFile(atPath: path, inTree: tree) else { return slug }
        var definition = try JSONParser.parse(bytes)
        if case .object(var root) = definition, case .array(var nodes)? = root["nodes"],
            let index = nodes.firstIndex(where: Self.isSendText), case .object(var node) = nodes[index],
            case .object(var data)? = node["data"], case .object(var config)? = data["config"]
        {
            config["message"] = .string(message)
            data["config"] = .object(config)
            node["data"] = .object(data)
            nodes[index] = .object(node)
            root["nodes"] = .array(nodes)
            definition = .object(root)
        }
        let blob = try await git.writeBlob(CanonicalJSONWriter.canonicalBytes(definition))
        let newTree = try await git.updateTree(base: tree, changes: [.upsert(path: path, blob: blob)])
        let commit = try await git.commit(
            tree: newTree, parents: [head], message: "Reword the first message of \(slug)\n",
            author: Signature(name: "A person", email: "person@kapso-gitsync.invalid"))
        try await git.updateReference("refs/heads/main", to: commit, expected: head, logMessage: "demo: a person's commit")
        return slug
    }

    /// The folder the remote-map on main records for a workflow id.
    private func folder(of id: String, in git: GitStore) async throws -> String? {
        guard let head = try await git.resolve(reference: "refs/heads/main"),
            let bytes = try await git.readFile(atPath: RepositoryLayout.remoteMap, inTree: try await git.tree(ofCommit: head))
        else { return nil }
        return try RemoteMap(bytes: bytes).entry(forID: id)?.slug
    }

    private static func isSendText(_ node: JSONValue) -> Bool {
        node["data"]?["node_type"]?.stringValue == "send_text"
    }

    private func runAndPrint(_ engine: SyncEngine) async throws {
        do {
            let report = try await engine.runCycle()
            report.summaryLines().forEach { print("   " + $0) }
            print("   (\(report.requests) API requests, \(report.objectsWritten) git objects written)")
        } catch {
            Runtime.fail(error.description)
        }
    }

    /// A folder for the demo: created, or an empty one, or one an earlier demo made (emptied first).
    /// Any other folder with something in it is refused: the demo never deletes what it did not make.
    static func prepare(_ root: URL) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: root.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { Runtime.fail("\(root.path) is a file, not a folder: choose another --directory") }
            let contents = try manager.contentsOfDirectory(atPath: root.path)
            if !contents.isEmpty {
                guard contents.contains(marker) else {
                    Runtime.fail(
                        "\(root.path) holds files the demo did not make: choose a new or empty folder with --directory, or remove it yourself"
                    )
                }
                try manager.removeItem(at: root)
            }
        }
        try manager.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("made by kapso-gitsync demo; the next demo replaces this folder\n".utf8).write(to: root.appendingPathComponent(marker))
    }
}

extension Configuration.KapsoAPI: ExpressibleByArgument {}
