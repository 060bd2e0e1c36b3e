import CanonicalJSON
import Foundation
import KapsoFake
import TestSupport
import Testing

@Suite struct CLITests {
    typealias Setup = EndToEndSetup

    /// A fake seeded with the real-workflow fixtures, and a configuration pointing at it.
    func setUp(extraConfig: String = "") async throws -> Setup {
        try await EndToEndSetup.forSync(extraConfig: extraConfig)
    }

    @Test(Fixtures.required) func syncPullsEverythingThenFindsNothingToDo() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let first = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        #expect(first.status == 0, "\(first.combined)")
        #expect(first.standardOutput.hasPrefix("pulled 6 of 6 workflows, synced 13 functions in commit"), "\(first.standardOutput)")
        let second = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        #expect(second.status == 0)
        #expect(second.standardOutput == "in sync: 6 workflows in Kapso, nothing to pull\n")
        for output in [first, second] { #expect(!output.combined.contains(setup.apiKey)) }
        let version = try await ProcessRunner.run("kapso-gitsync", ["--version"]).standardOutput
        #expect(await setup.fake.userAgents == ["kapso-gitsync/" + version.trimmingCharacters(in: .whitespacesAndNewlines)])

        let log = try await runGit(["--git-dir", setup.repository, "log", "--oneline"])
        #expect(log.output.split(separator: "\n").count == 1)
        let clone = setup.directory.path + "/clone"
        #expect(try await runGit(["clone", "-q", setup.repository, clone]).status == 0)
        let files = try await runGit(["ls-files"], in: clone).output
        #expect(files.contains("workflows/medicopay/definition.json"))
        #expect(try await runGit(["status", "--porcelain"], in: clone).output.isEmpty)
        // The key reached neither history nor files.
        #expect(try await runGit(["grep", "-q", setup.apiKey], in: clone).status != 0)
    }

    @Test(Fixtures.required) func planExitsTwoWhenChangesArePendingAndZeroWhenInSync() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let pending = try await ProcessRunner.run("kapso-gitsync", ["plan", "--config", setup.configPath], environment: setup.environment)
        #expect(pending.status == 2, "\(pending.combined)")
        #expect(pending.standardOutput.hasPrefix("would pull 6 of 6 workflows, would sync 13 functions\n"), "\(pending.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: setup.repository + "/refs/heads/main"))
        _ = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        let clean = try await ProcessRunner.run("kapso-gitsync", ["plan", "--config", setup.configPath], environment: setup.environment)
        #expect(clean.status == 0)
    }

    @Test(Fixtures.required) func aWrongKeyFailsWithExitOneNamingTheEndpointNotTheKey() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let wrongKey = "wrong-\(UUID().uuidString)"
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["sync", "--config", setup.configPath], environment: ["KAPSO_API_KEY": wrongKey])
        #expect(result.status == 1)
        #expect(result.standardError.contains("GET /workflows: HTTP 401: Invalid or missing API key"), "\(result.standardError)")
        #expect(!result.combined.contains(wrongKey))
    }

    @Test(Fixtures.required) func theKeyCanComeFromASystemdCredential() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let credentials = setup.directory.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Data((setup.apiKey + "\n").utf8).write(to: URL(fileURLWithPath: credentials + "/kapso-api-key"))
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["sync", "--config", setup.configPath], environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(result.status == 0, "\(result.combined)")
    }

    @Test(Fixtures.required) func aWorkflowThatCannotBeSyncedMakesExitThree() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let target = try #require(await setup.fake.workflow(slug: "medicopay"))
        await setup.fake.inject(FakeFaultRule(pathPrefix: "/workflows/\(target.id)/triggers", fault: .status(404), count: 5))
        let result = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        #expect(result.status == 3, "\(result.combined)")
        #expect(result.standardOutput.contains("error: medicopay (\(target.id)): GET /workflows/\(target.id)/triggers: HTTP 404"))
        #expect(result.standardOutput.contains("pulled 5 of 6 workflows"))
    }

    @Test(arguments: [
        ("kapso:\n  requests_per_minte: 5\nrepository:\n  path: r.git\n", "kapso.requests_per_minte: unknown key"),
        ("kapso:\n  concurrency: many\nrepository:\n  path: r.git\n", "kapso.concurrency: must be a whole number from 1 to 64, not many"),
        ("kapso:\n  api_url: ftp://x\nrepository:\n  path: r.git\n", "kapso.api_url: must be an http or https URL"),
        ("kapso:\n  requests_per_minute: 5\n", "repository.path: is required"),
        ("repository:\n  path: r.git\n  branch: 'bad..name'\n", "repository.branch: bad..name is not a valid branch name"),
        ("repository: [\n", "not valid YAML"),
    ])
    func aWrongConfigurationNamesTheKey(config: String, message: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/bad.yaml"
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        let result = try await ProcessRunner.run("kapso-gitsync", ["plan", "--config", path], environment: ["KAPSO_API_KEY": "k"])
        #expect(result.status == 1)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }

    @Test(Fixtures.required) func statusTellsWhatTheLastCycleFound() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let none = try await ProcessRunner.run("kapso-gitsync", ["status", "--config", setup.configPath])
        #expect(none.status == 1)
        #expect(none.standardError.contains("no cycle has run"))

        let target = try #require(await setup.fake.workflow(slug: "medicopay"))
        await setup.fake.inject(FakeFaultRule(pathPrefix: "/workflows/\(target.id)/triggers", fault: .status(404), count: 5))
        _ = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        let table = try await ProcessRunner.run("kapso-gitsync", ["status", "--config", setup.configPath])
        #expect(table.status == 0, "\(table.combined)")
        #expect(table.standardOutput.contains("\nlast cycle: attention at "), "\(table.standardOutput)")
        #expect(table.standardOutput.contains("medicopay  "))
        #expect(table.standardOutput.contains("error"))
        #expect(table.standardOutput.contains("vigi-atencion"))

        _ = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: ["KAPSO_API_KEY": "wrong"])
        let json = try await ProcessRunner.run("kapso-gitsync", ["status", "--config", setup.configPath, "--json"])
        let status = try JSONParser.parse(json.standardOutput)
        #expect(status["result"]?.stringValue == "error")
        #expect(status["lastError"]?.stringValue?.contains("GET /workflows: HTTP 401") == true)
        #expect(status["workflows"]?.arrayValue?.count == 6, "the last completed cycle's five in sync and the one that failed are kept")
        #expect(!json.combined.contains(setup.apiKey))
    }

    @Test(Fixtures.required) func conflictsListsEachOpenConflictWithBothValuesAndHowToResolveIt() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        _ = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        let none = try await ProcessRunner.run("kapso-gitsync", ["conflicts", "--config", setup.configPath])
        #expect(none.status == 0 && none.standardOutput.hasPrefix("no conflict open"), "\(none.combined)")

        let target = try #require(await setup.fake.workflow(slug: "medicopay"))
        await setup.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Named in Kapso" }
        let checkout = setup.directory.path + "/person"
        #expect(try await runGit(["clone", "-q", setup.repository, checkout]).status == 0)
        let yaml = URL(fileURLWithPath: checkout + "/workflows/medicopay/workflow.yaml")
        let text = try String(contentsOf: yaml, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "name: \(target.name)\n", with: "name: Named in git\n").utf8).write(to: yaml)
        #expect(
            try await runGit(commands: [["commit", "-qam", "Rename"], ["push", "-q", "origin", "HEAD:main"]], in: checkout).status == 0)
        let sync = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: setup.environment)
        #expect(sync.status == 3, "\(sync.combined)")

        let listed = try await ProcessRunner.run("kapso-gitsync", ["conflicts", "--config", setup.configPath])
        #expect(listed.status == 3, "\(listed.combined)")
        let output = listed.standardOutput
        #expect(output.contains("medicopay (\(target.id)): changed both in git and in Kapso: the same field differently"), "\(output)")
        #expect(output.contains("name: git has \"Named in git\", Kapso has \"Named in Kapso\""), "\(output)")
        #expect(output.contains("branch: kapso-gitsync/conflict/medicopay"))
        #expect(output.contains("git merge -s ours origin/kapso-gitsync/conflict/medicopay"))
        let json = try await ProcessRunner.run("kapso-gitsync", ["conflicts", "--config", setup.configPath, "--json"])
        #expect(try JSONParser.parse(json.standardOutput).arrayValue?.first?["kapsoChanges"]?.arrayValue == ["name"])
    }

    @Test func diffShowsWhatChangedInEachWorkflowWithAnExitCodeForCI() async throws {
        let directory = try TemporaryDirectory()
        let checkout = directory.path + "/checkout"
        let demo = Fixtures.demoWorkflows
        try FileManager.default.createDirectory(atPath: checkout, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: demo.path, toPath: checkout + "/workflows")
        #expect(try await runGit(commands: [["init", "-q"], ["add", "-A"], ["commit", "-qm", "Import"]], in: checkout).status == 0)
        func diff(_ arguments: String...) async throws -> ProcessResult {
            try await ProcessRunner.run("kapso-gitsync", ["diff"] + arguments, directory: checkout)
        }
        let clean = try await diff("--exit-code")
        #expect(clean.status == 0 && clean.standardOutput.isEmpty, "\(clean.combined)")

        let url = URL(fileURLWithPath: checkout + "/workflows/lead-qualification/definition.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "Be brief and friendly.", with: "Be brief.").utf8).write(to: url)
        try FileManager.default.removeItem(atPath: checkout + "/workflows/order-status")
        let changed = try await diff("--exit-code")
        #expect(changed.status == 1, "\(changed.combined)")
        #expect(
            changed.standardOutput == """
                workflows/lead-qualification: changed
                  node qualify: changed
                    data.config.system_prompt:
                       Ask the lead about company size, budget and timeline.
                      -Be brief and friendly.
                      +Be brief.
                workflows/order-status: removed

                """)

        #expect(try await runGit(commands: [["add", "-A"], ["commit", "-qm", "Edit"]], in: checkout).status == 0)
        let json = try JSONParser.parse(try await diff("HEAD~1", "HEAD", "--format", "json").standardOutput)
        #expect(json["folders"]?.arrayValue?.compactMap { $0["status"]?.stringValue } == ["changed", "removed"])
        let bare = directory.path + "/bare.git"
        #expect(try await runGit(["clone", "-q", "--bare", checkout, bare]).status == 0)
        let fromBare = try await ProcessRunner.run("kapso-gitsync", ["diff", "--repo", bare, "--format", "markdown"])
        #expect(fromBare.standardOutput.hasPrefix("### `lead-qualification`: changed\n"), "\(fromBare.combined)")
        #expect(try await diff("no-such-revision").status == 2)
    }

    @Test func validateWarnsAboutCredentialsAndStrictRefusesThem() async throws {
        let directory = try TemporaryDirectory()
        let demo = Fixtures.demoWorkflows
        try FileManager.default.copyItem(atPath: demo.path, toPath: directory.path + "/workflows")
        let url = URL(fileURLWithPath: directory.path + "/workflows/lead-qualification/definition.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(
            text.replacingOccurrences(of: "\"max_iterations\": 8,", with: "\"api_key\": \"sk-live-123\",\n\"max_iterations\": 8,").utf8
        )
        .write(to: url)
        let warned = try await ProcessRunner.run("kapso-gitsync", ["validate", directory.path])
        #expect(warned.status == 0, "\(warned.combined)")
        #expect(
            warned.standardError
                == "warning: workflows/lead-qualification/definition.json: credential: nodes.qualify.data.config.api_key looks like"
                + " a credential; keep secrets out of git (Kapso's secrets, a variable)\n")
        #expect(!warned.combined.contains("sk-live-123"), "the value itself is never printed")
        let strict = try await ProcessRunner.run("kapso-gitsync", ["validate", "--strict", directory.path])
        #expect(strict.status == 1 && strict.standardOutput.contains("credential: nodes.qualify.data.config.api_key"))
    }

    /// `git diff` through the diff driver the README sets up: a prompt edit is one changed line of the
    /// prompt, a moved node one changed position line.
    @Test func gitDiffShowsWorkflowsThroughTextconv() async throws {
        let directory = try TemporaryDirectory()
        let checkout = directory.path + "/checkout"
        let folder = checkout + "/workflows/lead-qualification"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let demo = Fixtures.demoWorkflows.appendingPathComponent("lead-qualification")
        for file in ["definition.json", "workflow.yaml"] {
            try FileManager.default.copyItem(atPath: demo.appendingPathComponent(file).path, toPath: folder + "/" + file)
        }
        try Data("workflows/*/definition.json diff=kapso\nworkflows/*/workflow.yaml diff=kapso\n".utf8)
            .write(to: URL(fileURLWithPath: checkout + "/.gitattributes"))
        let textconv = ProcessRunner.executable("kapso-gitsync").path + " textconv"
        #expect(
            try await runGit(
                commands: [["init", "-q"], ["config", "diff.kapso.textconv", textconv], ["add", "-A"], ["commit", "-qm", "Import"]],
                in: checkout
            ).status == 0)
        // The agent's prompt loses words on one line, and the agent moves down.
        let url = URL(fileURLWithPath: folder + "/definition.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("Be brief and friendly.") && text.contains("\"y\": 0\n"))
        text = text.replacingOccurrences(of: "Be brief and friendly.", with: "Be brief.")
        let agent = try #require(text.range(of: "\"id\": \"qualify\""))
        let position = try #require(text.range(of: "\"y\": 0\n", range: agent.upperBound..<text.endIndex))
        text.replaceSubrange(position, with: "\"y\": 120\n")
        try Data(text.utf8).write(to: url)
        let diff = try await runGit(["diff"], in: checkout)
        #expect(diff.status == 0, "\(diff.output)")
        #expect(diff.output.contains("\n-    | Be brief and friendly.\n+    | Be brief.\n"), "\(diff.output)")
        #expect(diff.output.contains("\n-  position: 240, 0\n+  position: 240, 120\n"), "\(diff.output)")
        #expect(!diff.output.contains("\"nodes\""), "no raw JSON")
    }

    @Test(Fixtures.required) func configCheckPrintsTheEffectiveConfigurationWithoutTheKey() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["config", "check", "--config", setup.configPath], environment: setup.environment)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.standardOutput.contains("kapso.requests_per_minute: 0\n"))
        #expect(result.standardOutput.contains("repository.path: \(setup.directory.path)/repo.git\n"))
        #expect(result.standardOutput.contains("kapso.api_key: set ([redacted])\n"))
        #expect(!result.combined.contains(setup.apiKey))
    }

    @Test(Fixtures.required) func aMissingKeyIsAClearError() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let result = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath])
        #expect(result.status == 1)
        #expect(result.standardError.contains("no API key: set KAPSO_API_KEY"))
    }

    @Test(Fixtures.required) func theDemoRunsEndToEnd() async throws {
        let directory = try TemporaryDirectory()
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["demo", "--directory", directory.path + "/demo", "--seed", Fixtures.directory.path])
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.standardOutput.contains("pulled 6 of 6 workflows"))
        #expect(result.standardOutput.contains("A sync with nothing new writes nothing:\n   in sync"))
        #expect(result.standardOutput.contains("the next sync sends it to Kapso:\n   pushed 1 in commit"))
        #expect(result.standardOutput.contains("the next sync merges both:\n   merged 1 in commit"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("git --git-dir"))
        let log = try await runGit(["--git-dir", directory.path + "/demo/repo.git", "log", "--format=%s"])
        #expect(
            log.output.split(separator: "\n").count == 6,
            "import, pull, the person's commit, the push record, their second commit, the merge")
    }

    /// The demo on either API: the seeded folders come back byte for byte, then pull, push and merge.
    @Test(arguments: TestAPI.allCases)
    func theDemoWorkflowsComeBackByteIdentical(api: TestAPI) async throws {
        let directory = try TemporaryDirectory()
        let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["demo", "--api", api.rawValue, "--directory", directory.path + "/demo"], directory: projectRoot.path)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.standardOutput.contains("merged 1"), "\(result.combined)")
        let gitDirectory = directory.path + "/demo/repo.git"
        let first = try await runGit(["--git-dir", gitDirectory, "rev-list", "--max-parents=0", "main"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let seeds = projectRoot.appendingPathComponent(api == .platform ? "Config/demo-workflows" : "Config/demo-flows")
        for slug in try FileManager.default.contentsOfDirectory(atPath: seeds.path) {
            for name in ["definition.json", "workflow.yaml"] {
                let expected = try String(contentsOf: seeds.appendingPathComponent("\(slug)/\(name)"), encoding: .utf8)
                let written = try await runGit(["--git-dir", gitDirectory, "show", "\(first):workflows/\(slug)/\(name)"]).output
                #expect(written == expected, "workflows/\(slug)/\(name)")
            }
        }
    }

    /// The demo replaces only a folder it made: another one with files in it is refused and kept whole.
    @Test func theDemoNeverDeletesAFolderItDidNotMake() async throws {
        let directory = try TemporaryDirectory()
        let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let foreign = directory.path + "/notes"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: foreign + "/keep.txt"))
        let refused = try await ProcessRunner.run("kapso-gitsync", ["demo", "--directory", foreign], directory: projectRoot.path)
        #expect(refused.status == 1, "\(refused.combined)")
        #expect(refused.standardError.contains("\(foreign) holds files the demo did not make"), "\(refused.combined)")
        #expect(try String(contentsOfFile: foreign + "/keep.txt", encoding: .utf8) == "mine\n")

        let own = directory.path + "/demo"
        for run in 1...2 {
            let result = try await ProcessRunner.run("kapso-gitsync", ["demo", "--directory", own], directory: projectRoot.path)
            #expect(result.status == 0, "run \(run): \(result.combined)")
        }
    }

    @Test(Fixtures.required) func validateChecksACheckoutForAPullRequest() async throws {
        let directory = try TemporaryDirectory()
        let workflows = directory.url.appendingPathComponent("workflows")
        for folder in Fixtures.folders {
            let yaml = try String(contentsOf: folder.appendingPathComponent("workflow.yaml"), encoding: .utf8)
            let slug = try #require(yaml.split(separator: "\n").first { $0.hasPrefix("slug: ") }?.dropFirst(6))
            try FileManager.default.createDirectory(at: workflows.appendingPathComponent(String(slug)), withIntermediateDirectories: true)
            for name in ["definition.json", "workflow.yaml"] {
                try FileManager.default.copyItem(
                    at: folder.appendingPathComponent(name), to: workflows.appendingPathComponent("\(slug)/\(name)"))
            }
        }
        let valid = try await ProcessRunner.run("kapso-gitsync", ["validate", directory.path])
        #expect(valid.status == 0)
        #expect(valid.standardOutput == "5 workflows valid\n")
        let function = directory.url.appendingPathComponent("functions/lookup")
        try FileManager.default.createDirectory(at: function, withIntermediateDirectories: true)
        try Data("function_type: cloudflare_worker\nname: Lookup\nslug: lookup\n".utf8).write(
            to: function.appendingPathComponent("function.yaml"))
        try Data("export default () => 1;\n".utf8).write(to: function.appendingPathComponent("index.js"))
        #expect(
            try await ProcessRunner.run("kapso-gitsync", ["validate", directory.path]).standardOutput
                == "5 workflows valid, 1 function valid\n")
        try Data("function_type: cloudflare_worker\nname: Lookup\nslug: look-up\n".utf8).write(
            to: function.appendingPathComponent("function.yaml"))

        try Data("{\"nodes\": [], \"edges\": []}".utf8).write(to: workflows.appendingPathComponent("medicopay/definition.json"))
        try FileManager.default.createDirectory(at: workflows.appendingPathComponent("Bad Folder"), withIntermediateDirectories: true)
        let invalid = try await ProcessRunner.run("kapso-gitsync", ["validate", directory.path])
        #expect(invalid.status == 1)
        #expect(
            invalid.standardOutput.split(separator: "\n").map(String.init) == [
                "workflows/Bad Folder: slug: slug \"Bad Folder\" is not a safe folder name (lowercase letters, digits and single hyphens, at most 100 characters)",
                "workflows/medicopay/definition.json: one-start-node: found 0 start nodes",
                "functions/lookup/function.yaml: slug: \"look-up\" differs from the folder; rename the folder or the slug",
            ])
    }

    @Test func theStandaloneFakeServesUntilSIGTERM() async throws {
        let process = Process()
        process.executableURL = ProcessRunner.executable("kapso-fake")
        process.arguments = ["--generate", "3", "--nodes", "4"]
        process.environment = ["KAPSO_API_KEY": "fake-key"]
        let output = Pipe()
        process.standardOutput = output
        try launch(process)
        let line = try #require(output.fileHandleForReading.availableLine())
        #expect(line.hasPrefix("kapso-fake listening on http://127.0.0.1:"))
        #expect(line.contains(" with 3 workflows (the legacy Flows API on http://127.0.0.1:"))
        let url = try #require(URL(string: String(line.split(separator: " ")[3])))
        var request = URLRequest(url: url.appendingPathComponent("workflows"))
        request.setValue("fake-key", forHTTPHeaderField: "X-API-Key")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("generated-2"))
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test(Fixtures.required) func syncWithAGitServerPushesWhatItCommits() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let origin = setup.directory.path + "/origin.git"
        #expect(try await runGit(["init", "-q", "--bare", "-b", "main", origin]).status == 0)
        let result = try await ProcessRunner.run(
            "kapso-gitsync", ["sync", "--config", setup.configPath, "--set", "remote.url=\(origin)"], environment: setup.environment)
        #expect(result.status == 0, "\(result.combined)")
        let log = try await runGit(["--git-dir", origin, "log", "--oneline", "main"])
        #expect(log.output.contains("Pull 6 workflows from Kapso"), "\(log.output)")

        let missing = try await ProcessRunner.run(
            "kapso-gitsync", ["sync", "--config", setup.configPath, "--set", "remote.url=\(origin).missing"], environment: setup.environment
        )
        #expect(missing.status == 1)
        #expect(
            missing.standardError.contains("git server: \(origin).missing: no repository at \(origin).missing"), "\(missing.standardError)")
    }
}

extension FileHandle {
    /// Reads up to the first newline (the fake prints one line when it is ready).
    func availableLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
