import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import Logging
import SyncEngine
import TestSupport
import Testing
import WorkflowRepo

/// A repository the Kapso CLI wrote, older than Kapso's state, with Windows paths in its remote-map and
/// a generated `workflow.js`, adopted by a new instance: no false conflict, no write to Kapso, no file
/// rewritten, the remote-map normalised once.
@Suite struct AdoptionTests {
    @Test func aCLIWrittenRepositoryIsAdoptedWithoutFalseConflictsOrRewrites() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        // The files as the CLI writes them (the service writes the same bytes): from a first sync.
        _ = try await harness.engine.runCycle()
        let source = try await harness.personCheckout()
        let workflows = await harness.fake.workflows

        // A person's CLI project: the same files, a remote-map the CLI wrote one version ago (Windows
        // paths, lockVersion one behind), a generated workflow.js for the first workflow.
        let project = harness.directory.url.appendingPathComponent("cli-project")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("workflows"), to: project.appendingPathComponent("workflows"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("functions"), to: project.appendingPathComponent("functions"))
        try FileManager.default.createDirectory(at: project.appendingPathComponent(".kapso"), withIntermediateDirectories: true)
        try Data("version: 1\n".utf8).write(to: project.appendingPathComponent("kapso.yaml"))
        let generated = "export default workflow({ nodes: [] })\n"
        let first = workflows[0]
        try Data(generated.utf8).write(to: project.appendingPathComponent("workflows/\(first.slug)/workflow.js"))
        var entries: [String: JSONValue] = [:]
        for workflow in workflows {
            var files: [String: JSONValue] = [:]
            for name in ["definition.json", "workflow.yaml"] {
                let bytes = [UInt8](try Data(contentsOf: project.appendingPathComponent("workflows/\(workflow.slug)/\(name)")))
                files[#"workflows\\#(workflow.slug)\\#(name)"#] = .string(FileHash.sha256(bytes))
            }
            var entry: [String: JSONValue] = [
                "files": .object(files), "id": .string(workflow.id), "lockVersion": .number(JSONNumber(max(0, workflow.lockVersion - 1))),
                "slug": .string(workflow.slug), "status": .string(workflow.status), "updatedAt": "2026-05-06T01:54:49-04:00",
            ]
            if workflow.id == first.id {
                let path = JSONValue.string(#"workflows\\#(workflow.slug)\workflow.js"#)
                let hash = JSONValue.string(FileHash.sha256(Array(generated.utf8)))
                entry["generatedSource"] = ["hash": hash, "path": path]
                entry["sourceFile"] = ["hash": hash, "path": path]
            }
            entries[workflow.slug] = .object(entry)
        }
        var functionEntries: [String: JSONValue] = [:]
        for function in await harness.fake.functions {
            var files: [String: JSONValue] = [:]
            for name in ["function.yaml", "index.js"] {
                let bytes = [UInt8](try Data(contentsOf: project.appendingPathComponent("functions/\(function.slug)/\(name)")))
                files[#"functions\\#(function.slug)\\#(name)"#] = .string(FileHash.sha256(bytes))
            }
            functionEntries[function.slug] = [
                "files": .object(files), "id": .string(function.id), "lastDeployedAt": "2026-05-05T17:09:54-04:00",
                "lockVersion": .number(JSONNumber(max(0, function.lockVersion - 1))), "slug": .string(function.slug), "status": "deployed",
                "updatedAt": "2026-05-05T17:09:54-04:00",
            ]
        }
        try Data(
            CanonicalJSONWriter.canonicalBytes(["functions": .object(functionEntries), "version": 1, "workflows": .object(entries)])
        )
        .write(to: project.appendingPathComponent(".kapso/remote-map.json"))
        let (repository, adopting) = try await Self.adopt(
            project, message: "kapso pull", harness: harness, at: harness.directory.path + "/cli-project")
        let before = try await runGit(["--git-dir", repository, "ls-tree", "-r", "main"]).output
        await harness.fake.clearRequests()
        let report = try await adopting.runCycle()
        #expect(report.conflicts.isEmpty && report.invalid.isEmpty && report.failures.isEmpty, "\(report.summaryLines())")
        #expect(report.pushed.isEmpty && report.created.isEmpty && report.merged.isEmpty, "\(report.summaryLines())")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "nothing written to Kapso")
        let after = try await runGit(["--git-dir", repository, "ls-tree", "-r", "main"]).output
        #expect(after == before, "nothing to commit: the files equal Kapso's, the generated workflow.js is kept: \(report.summaryLines())")
        #expect(!(try await adopting.runCycle().hasChanges), "the second cycle finds nothing to do")

        // The first change commits the remote-map in its canonical form: paths normalised, the CLI's fields kept.
        await harness.fake.simulateEditorEdit(workflowID: workflows[1].id) { $0.name = "Renamed in Kapso" }
        let pulled = try await adopting.runCycle()
        #expect(pulled.pulled.map(\.slug) == [workflows[1].slug] && pulled.conflicts.isEmpty, "\(pulled.summaryLines())")
        let map = try await runGit(["--git-dir", repository, "show", "main:.kapso/remote-map.json"]).output
        #expect(!map.contains(#"\\"#), "the remote-map's paths are normalised: \(map)")
        #expect(map.contains(#""path": "workflows/\#(first.slug)/workflow.js""#), "the CLI's fields are kept, normalised: \(map)")
        let js = try await runGit(["--git-dir", repository, "show", "main:workflows/\(first.slug)/workflow.js"])
        #expect(js.output == generated, "the untouched workflow's generated source stays")
    }

    /// `.kapso/` git-ignored, so no remote-map in git: the folders equal to Kapso's are adopted (no
    /// conflict, nothing written to Kapso, no file rewritten), and the map is committed; a person's
    /// clone then has it, tracked, though the folder is ignored.
    @Test func aRepositoryWithoutARemoteMapIsAdoptedAndTheMapCommitted() async throws {
        let harness = try await SyncHarness { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 4) }
        defer { Task { await harness.stop() } }
        _ = try await harness.engine.runCycle()
        let source = try await harness.personCheckout()
        let project = harness.directory.url.appendingPathComponent("ignored-map")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("workflows"), to: project.appendingPathComponent("workflows"))
        try Data(".kapso/\nnode_modules/\n".utf8).write(to: project.appendingPathComponent(".gitignore"))
        let (repository, adopting) = try await Self.adopt(
            project, message: "Our flows", harness: harness, at: harness.directory.path + "/ignored-map")
        let before = try await runGit(["--git-dir", repository, "ls-tree", "-r", "main", "workflows"]).output
        await harness.fake.clearRequests()
        let report = try await adopting.runCycle()
        #expect(report.conflicts.isEmpty && report.invalid.isEmpty && report.pushed.isEmpty, "\(report.summaryLines())")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "nothing written to Kapso")
        #expect(try await runGit(["--git-dir", repository, "ls-tree", "-r", "main", "workflows"]).output == before, "no file rewritten")
        let clone = harness.directory.path + "/ignored-map-clone"
        #expect(try await runGit(["clone", "-q", repository, clone]).status == 0)
        #expect(try await runGit(["ls-files", ".kapso/remote-map.json"], in: clone).output == ".kapso/remote-map.json\n")
        #expect(!(try await adopting.runCycle().hasChanges))
    }

    /// A copy of the real CLI project (one workflow with a generated `workflow.js`, three functions whose
    /// `index.js` the test writes, ids as Kapso has them): adopted with nothing written on either side,
    /// then a function changed in Kapso is pulled and one changed in git is pushed and deployed, with the
    /// CLI's remote-map fields kept.
    @Test(Fixtures.cliProjectRequired) func theCLISampleProjectIsAdoptedAndItsFunctionsRoundTrip() async throws {
        let work = try TemporaryDirectory()
        let project = work.url.appendingPathComponent("project")
        try #require(
            try await runProcess(URL(fileURLWithPath: "/bin/cp"), ["-R", Fixtures.cliProjectSample.path, project.path]).status == 0)
        try #require(try await runProcess(URL(fileURLWithPath: "/bin/chmod"), ["-R", "u+w", project.path]).status == 0)
        let slugs = ["sendero-prefetch-trip", "sendero-tenant-travel-get-context", "sendero-tool-call"]
        for slug in slugs {
            let code = "export default async function handler(request) {\n  // \(slug)\n  return new Response(\"ok\");\n}\n"
            try Data(code.utf8).write(to: project.appendingPathComponent("functions/\(slug)/index.js"))
        }
        let harness = try await SyncHarness { try await $0.seed(fromDirectory: project.path) }
        defer { Task { await harness.stop() } }
        // The remote-map names Kapso's ids, and the hashes of the index.js files this test wrote.
        let workflowIDs = Dictionary(uniqueKeysWithValues: await harness.fake.workflows.map { ($0.slug, $0.id) })
        let functionIDs = Dictionary(uniqueKeysWithValues: await harness.fake.functions.map { ($0.slug, $0.id) })
        try editJSON(project.appendingPathComponent(".kapso/remote-map.json")) { map in
            guard case .object(var root) = map, case .object(var workflows)? = root["workflows"],
                case .object(var functions)? = root["functions"]
            else { return }
            for (slug, entry) in workflows {
                guard case .object(var fields) = entry, let id = workflowIDs[slug] else { continue }
                fields["id"] = .string(id)
                workflows[slug] = .object(fields)
            }
            for (slug, entry) in functions {
                guard case .object(var fields) = entry, let id = functionIDs[slug], case .object(var files)? = fields["files"],
                    let code = try? Data(contentsOf: project.appendingPathComponent("functions/\(slug)/index.js"))
                else { continue }
                fields["id"] = .string(id)
                files["functions/\(slug)/index.js"] = .string(FileHash.sha256([UInt8](code)))
                fields["files"] = .object(files)
                functions[slug] = .object(fields)
            }
            root["workflows"] = .object(workflows)
            root["functions"] = .object(functions)
            map = .object(root)
        }
        let (repository, adopting) = try await Self.adopt(project, message: "kapso pull", harness: harness, at: work.path + "/project")
        let before = try await runGit(["--git-dir", repository, "ls-tree", "-r", "main"]).output
        await harness.fake.clearRequests()
        let report = try await adopting.runCycle()
        #expect(report.conflicts.isEmpty && report.invalid.isEmpty && report.failures.isEmpty, "\(report.summaryLines())")
        #expect(!report.hasChanges && report.commit == nil, "\(report.summaryLines())")
        #expect(await harness.fake.requests().allSatisfy { $0.method == "GET" }, "nothing written to Kapso")
        #expect(try await runGit(["--git-dir", repository, "ls-tree", "-r", "main"]).output == before, "no file rewritten")

        // Kapso → git: the function's code, and nothing else.
        await harness.fake.simulateFunctionEdit(slug: "sendero-prefetch-trip") { $0.code += "// prefetch less\n" }
        let pulled = try await adopting.runCycle()
        #expect(pulled.functions.map(\.slug) == ["sendero-prefetch-trip"] && pulled.pulled.isEmpty, "\(pulled.summaryLines())")
        let changed = try await runGit(["--git-dir", repository, "diff", "--name-only", "main~1", "main"]).output
        #expect(changed == ".kapso/project.json\n.kapso/remote-map.json\nfunctions/sendero-prefetch-trip/index.js\n", "\(changed)")

        // git → Kapso, deployed; the remote-map keeps the CLI's fields.
        let clone = work.path + "/clone"
        try #require(try await runGit(["clone", "-q", repository, clone]).status == 0)
        let code = "export default async () => new Response(\"tool\");\n"
        try Data(code.utf8).write(to: URL(fileURLWithPath: clone + "/functions/sendero-tool-call/index.js"))
        let edited = try await runGit(
            commands: [["commit", "-q", "-am", "Simpler tool call"], ["push", "-q", "origin", "HEAD:main"]], in: clone)
        try #require(edited.status == 0, "\(edited.output)")
        let pushedReport = try await adopting.runCycle()
        #expect(
            pushedReport.functions.map(\.kind) == [.pushed] && pushedReport.functions.first?.deployed == true,
            "\(pushedReport.summaryLines())")
        let tool = try #require(await harness.fake.function(slug: "sendero-tool-call"))
        #expect(tool.code == code && tool.deployments == 1 && tool.status == "deployed")
        let map = try await runGit(["--git-dir", repository, "show", "main:.kapso/remote-map.json"]).output
        #expect(map.contains(#""lastDeployedAt": "#) && map.contains(#""generatedSource": {"#), "\(map)")
        let js = try await runGit(["--git-dir", repository, "show", "main:workflows/sendero-tenant-travel-agent/workflow.js"]).output
        #expect(FileHash.sha256(Array(js.utf8)) == "07d8f6a78c5941e008e9de7acdc6f6fd32bb943226060aa4c28349acdf1675e2")
    }

    /// The person's project committed and pushed to a new bare repository at `path`.git, and an engine
    /// (with a state directory of its own, `path`-state) that syncs that repository with the harness's fake.
    static func adopt(_ project: URL, message: String, harness: SyncHarness, at path: String) async throws -> (String, SyncEngine) {
        let repository = path + ".git"
        try #require(try await runGit(["init", "-q", "--bare", "-b", "main", repository]).status == 0)
        let pushed = try await runGit(
            commands: [
                ["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", message], ["push", "-q", repository, "HEAD:main"],
            ],
            in: project.path)
        try #require(pushed.status == 0, "\(pushed.output)")
        var configuration = harness.engine.configuration
        configuration.stateDirectory = path + "-state"
        let engine = SyncEngine(
            client: harness.client, git: try GitStore(path: repository, createIfMissing: false), configuration: configuration,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return (repository, engine)
    }
}
