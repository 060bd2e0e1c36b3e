import Foundation
import GitStore
import KapsoAPI
import KapsoFake
import KapsoModels
import Logging
import SyncEngine
import TestSupport
import Testing

/// The branch on a git server (a bare repository reached by path, as `file://` is), people pushing
/// to it with the git CLI, and instances of the service that each keep a local copy.
/// On the real-workflow fixtures (`makeServer`).
@Suite(Fixtures.required) struct RemoteCycleTests {
    struct Server {
        let directory: TemporaryDirectory
        let fake: KapsoFake
        let origin: String
        let client: KapsoClient

        /// An instance with its own local repository and state directory, as on its own machine.
        func instance(
            _ name: String, access: RemoteAccess? = nil, crashingAt crashPoint: SyncEngine.CrashPoint? = nil, incoming: Bool = false
        ) throws -> SyncEngine {
            let access = access ?? RemoteAccess(url: origin)
            let configuration = SyncConfiguration(
                branch: incoming ? "kapso-gitsync/incoming" : "main",
                author: Signature(name: "kapso-gitsync", email: "bot@example.invalid"),
                stateDirectory: directory.path + "/\(name).state",
                remote: RemoteSync(mainBranch: incoming ? "main" : nil) { access })
            var seam: (@Sendable (SyncEngine.CrashPoint) throws(SyncError) -> Void)?
            if let crashPoint {
                let crash = CrashOnce(at: crashPoint)
                seam = { point throws(SyncError) in try crash.reached(point) }
            }
            return SyncEngine(
                client: client, git: try GitStore(path: directory.path + "/\(name).git"), configuration: configuration,
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), crashSeam: seam)
        }

        func originGit(_ arguments: String...) async throws -> String {
            try await runGit(["--git-dir", origin] + arguments).output
        }

        /// A person clones the server, changes files, commits and pushes.
        func personPushes(_ message: String, _ edit: (String) throws -> Void) async throws {
            let checkout = directory.path + "/person-\(UUID().uuidString.prefix(8))"
            #expect(try await runGit(["clone", "-q", origin, checkout]).status == 0)
            try edit(checkout)
            #expect(try await runGit(["add", "-A"], in: checkout).status == 0)
            #expect(try await runGit(["commit", "-q", "-m", message], in: checkout).status == 0)
            let pushed = try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout)
            #expect(pushed.status == 0, "\(pushed.output)")
        }
    }

    func makeServer() async throws -> Server {
        let directory = try TemporaryDirectory()
        let fake = KapsoFake(options: .init(apiKey: SyncHarness.apiKey))
        try await fake.seed(fromDirectory: Fixtures.directory.path)
        let url = try await fake.start()
        let origin = directory.path + "/origin.git"
        #expect(try await runGit(["init", "-q", "--bare", "-b", "main", origin]).status == 0)
        let client = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: url, apiKey: APIKey(SyncHarness.apiKey), requestTimeout: .seconds(60),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)), requestsPerMinute: 0,
                concurrency: 4))
        return Server(directory: directory, fake: fake, origin: origin, client: client)
    }

    static func rename(_ slug: String, to name: String, in checkout: String) throws {
        let file = checkout + "/workflows/\(slug)/workflow.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let renamed = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("name: ") ? "name: \(name)" : String($0) }.joined(separator: "\n")
        try renamed.write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func aNewInstanceOnANewMachineContinuesWithoutRepeatingAnything() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let first = try server.instance("a")
        let imported = try await first.runCycle()
        #expect(imported.pulled.count == 6)
        #expect(try await server.originGit("rev-list", "--count", "main").hasPrefix("1"))

        await server.fake.clearRequests()
        let second = try server.instance("b")
        let report = try await second.runCycle()
        #expect(!report.hasChanges && report.conflicts.isEmpty, "\(report.summaryLines())")
        #expect(report.commit == nil)
        #expect(try await server.originGit("rev-list", "--count", "main").hasPrefix("1"), "no duplicate commit")
        #expect(await server.fake.requests().allSatisfy { $0.method == "GET" }, "no write to Kapso")
    }

    @Test func aChangePushedToTheServerReachesKapsoAndItsRecordReachesTheServer() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let engine = try server.instance("a")
        _ = try await engine.runCycle()
        try await server.personPushes("Rename medicopay") { try Self.rename("medicopay", to: "Renamed by a person", in: $0) }
        let report = try await engine.runCycle()
        #expect(report.pushed.map(\.slug) == ["medicopay"])
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed by a person")
        let message = try await server.originGit("log", "-1", "--format=%B", "main")
        #expect(message.contains("Kapso-Pushed: medicopay"), "\(message)")
        let local = try await engine.git.resolve(reference: "refs/heads/main")
        #expect(try await server.originGit("rev-parse", "main") == (local?.hex ?? "none") + "\n", "the server has what the instance has")
    }

    /// Someone pushes to the server while the cycle writes to Kapso: the fast-forward push is refused,
    /// the cycle runs again on top of the new head, and the write it already made is recognised as its
    /// own (the push intent outlives the refused push), not reported as a conflict.
    @Test func aPushThatRacesWithAnotherPushIsRecomputedWithoutAFalseConflict() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let engine = try server.instance("a")
        _ = try await engine.runCycle()
        try await server.personPushes("Rename medicopay") { try Self.rename("medicopay", to: "Renamed by a person", in: $0) }
        // The PATCH is carried out and its answer held: the person pushes while the cycle waits for it.
        let gate = FakeGate()
        defer { gate.open() }
        await server.fake.inject(FakeFaultRule(method: "PATCH", fault: .hold(gate), count: 1))
        let cycle = Task { try await engine.runCycle() }
        await gate.reached()
        try await server.personPushes("Add notes") { try "notes\n".write(toFile: $0 + "/NOTES.md", atomically: true, encoding: .utf8) }
        gate.open()
        let report = try await cycle.value
        // A second round: the first push was refused, and the cycle ran again on top of the person's commit.
        #expect(try await server.originGit("log", "-1", "--format=%s", "main^") == "Add notes\n")
        #expect(report.conflicts.isEmpty, "\(report.summaryLines())")
        let log = try await server.originGit("log", "--format=%s", "main")
        let subjects = log.split(separator: "\n").map(String.init)
        #expect(subjects.contains("Add notes"), "the other push is kept: \(log)")
        #expect(subjects.first?.contains("medicopay") == true || subjects.first?.hasPrefix("Push") == true, "\(log)")
        let record = try await server.originGit("log", "-1", "--format=%B", "main")
        #expect(record.contains("medicopay"), "\(record)")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed by a person")
        let patches = await server.fake.requests().filter { $0.method == "PATCH" }
        #expect(patches.count == 1, "written to Kapso once: \(patches)")
        let again = try await engine.runCycle()
        #expect(!again.hasChanges && again.conflicts.isEmpty, "\(again.summaryLines())")
    }

    @Test func whileTheServerIsUnreachableCyclesFailAndNothingIsLost() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let engine = try server.instance("a")
        _ = try await engine.runCycle()
        let target = try #require(await server.fake.workflow(slug: "vigi-atencion"))
        await server.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Edited in Kapso while git was down" }
        let away = server.origin + ".away"
        try FileManager.default.moveItem(atPath: server.origin, toPath: away)
        await #expect {
            _ = try await engine.runCycle()
        } throws: { error in
            guard case .remote(let remote) = error as? SyncError else { return false }
            return remote.kind == .unreachable || remote.kind == .other
        }
        try FileManager.default.moveItem(atPath: away, toPath: server.origin)
        let recovered = try await engine.runCycle()
        #expect(recovered.pulled.map(\.slug) == ["vigi-atencion"], "\(recovered.summaryLines())")
        let name = try await server.originGit("show", "main:workflows/vigi-atencion/workflow.yaml")
        #expect(name.contains("Edited in Kapso while git was down"))
    }

    @Test func conflictBranchesArePushedAndRemovedFromTheServerOnceResolved() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let engine = try server.instance("a")
        _ = try await engine.runCycle()
        let target = try #require(await server.fake.workflow(slug: "medicopay"))
        await server.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Renamed in Kapso" }
        try await server.personPushes("Rename medicopay") { try Self.rename("medicopay", to: "Renamed in git", in: $0) }
        let conflicted = try await engine.runCycle()
        #expect(conflicted.conflicts.map(\.workflow) == ["medicopay"])
        let branch = "kapso-gitsync/conflict/medicopay"
        #expect(try await server.originGit("branch", "--list", branch).contains(branch), "the conflict branch is on the server")

        // A person takes Kapso's version through the branch, on the server: the branch starts where both
        // sides agreed, so git sees the two renames as a conflict, which `-X theirs` settles for Kapso.
        let checkout = server.directory.path + "/merge"
        #expect(try await runGit(["clone", "-q", server.origin, checkout]).status == 0)
        #expect(try await runGit(["merge", "-q", "--no-edit", "-X", "theirs", "origin/\(branch)"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout).status == 0)

        let resolved = try await engine.runCycle()
        #expect(resolved.conflicts.isEmpty, "\(resolved.summaryLines())")
        #expect(try await server.originGit("branch", "--list", branch).isEmpty, "removed from the server once resolved")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed in Kapso")
    }

    @Test func overSmartHTTPATokenIsSentAndAWrongOneIsReportedWithoutShowingIt() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let token = "token-\(UUID().uuidString)"
        _ = try await runGit(["--git-dir", server.origin, "config", "http.receivepack", "true"])
        let http = try await GitHTTPServer(root: server.directory.path, token: token, directory: server.directory)
        let url = "\(http.baseURL)/origin.git"

        let engine = try server.instance("a", access: RemoteAccess(url: url, httpsToken: token))
        let imported = try await engine.runCycle()
        #expect(imported.pulled.count == 6)
        #expect(try await server.originGit("rev-list", "--count", "main").hasPrefix("1"))

        let wrongToken = "wrong-\(UUID().uuidString)"
        let refused = try server.instance("b", access: RemoteAccess(url: url, httpsToken: wrongToken))
        do {
            _ = try await refused.runCycle()
            Issue.record("a wrong token must fail the cycle")
        } catch {
            guard case .remote(let remote) = error else { Issue.record("\(error)"); return }
            #expect(remote.kind == .authentication, "\(remote)")
            #expect(!error.description.contains(wrongToken))
            #expect(error.description.contains("refused the token"), "\(error)")
        }
    }

    /// A git server that redirects to another host does not get the token there: the redirect is
    /// refused, even on the first request, and the cycle fails with the server named.
    @Test func theTokenNeverFollowsARedirectToAnotherHost() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let token = "token-\(UUID().uuidString)"
        let http = try await GitHTTPServer(root: server.directory.path, token: token, directory: server.directory)
        let engine = try server.instance("a", access: RemoteAccess(url: "\(http.baseURL)/moved/origin.git", httpsToken: token))
        do {
            _ = try await engine.runCycle()
            Issue.record("a redirect to another host must fail the fetch")
        } catch {
            guard case .remote = error else { Issue.record("\(error)"); return }
            #expect(!error.description.contains(token))
        }
        let log = http.requestLog
        #expect(log.contains("/moved/origin.git"), "the redirect was asked for: \(log)")
        #expect(!log.contains("localhost"), "nothing was sent to the other host: \(log)")
        #expect(!log.contains("with-credentials"), "\(log)")
    }

    /// A protected branch refuses the push through the per-reference report only: that is a failed
    /// push, reported with the server's reason, and the commit stays for a later cycle.
    @Test func aBranchTheServerProtectsIsAFailedPushNotASilentSuccess() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let token = "token-\(UUID().uuidString)"
        _ = try await runGit(["--git-dir", server.origin, "config", "http.receivepack", "true"])
        let hook = server.origin + "/hooks/pre-receive"
        try "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n".write(toFile: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
        let http = try await GitHTTPServer(root: server.directory.path, token: token, directory: server.directory)
        let engine = try server.instance("a", access: RemoteAccess(url: "\(http.baseURL)/origin.git", httpsToken: token))
        do {
            _ = try await engine.runCycle()
            Issue.record("a refused push must fail the cycle")
        } catch {
            guard case .remote(let remote) = error else { Issue.record("\(error)"); return }
            #expect(remote.kind == .rejected, "\(remote)")
            #expect(remote.rejected["refs/heads/main"] != nil, "\(remote)")
        }
        #expect(try await engine.git.resolve(reference: "refs/heads/main") != nil, "the commit is kept locally")
        let originMain = try await runGit(["--git-dir", server.origin, "rev-parse", "--verify", "-q", "refs/heads/main"])
        #expect(originMain.status != 0, "nothing reached the server")
    }

    /// Two instances pointed at the same project and server by mistake: compare-and-swap on both sides
    /// makes the loser compute again; nothing is lost, nothing is written twice.
    @Test func twoInstancesAtOnceLoseNoUpdateAndRepeatNothing() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        let first = try server.instance("a")
        let second = try server.instance("b")
        _ = try await first.runCycle()
        _ = try await second.runCycle()
        let edited = try #require(await server.fake.workflow(slug: "vigi-atencion"))
        await server.fake.simulateEditorEdit(workflowID: edited.id) { $0.name = "Edited in Kapso" }
        try await server.personPushes("Rename medicopay") { try Self.rename("medicopay", to: "Renamed by a person", in: $0) }
        await server.fake.clearRequests()

        async let one = first.runCycle()
        async let two = second.runCycle()
        let reports = try await [one, two]
        #expect(reports.allSatisfy { $0.conflicts.isEmpty }, "\(reports.map { $0.summaryLines() })")
        // Both may send the PATCH with the same lock_version; Kapso takes one, the other gets 409.
        let writes = await server.fake.requests().filter { $0.method == "PATCH" && $0.status == 200 }
        #expect(writes.count == 1, "medicopay written to Kapso once: \(writes)")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed by a person")
        let yaml = try await server.originGit("show", "main:workflows/vigi-atencion/workflow.yaml")
        #expect(yaml.contains("Edited in Kapso"))
        let history = try await server.originGit("log", "--format=%s", "main").split(separator: "\n")
        #expect(history.count == 3, "the import, the person's commit, one commit of the service: \(history)")
        for engine in [first, second] {
            let quiet = try await engine.runCycle()
            #expect(!quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")
        }
    }

    /// Killed at any step of a cycle that pushes to Kapso, the instance is replaced by a fresh one on
    /// another machine (empty repository, empty state directory): it converges, with the write to Kapso
    /// made once and recorded once, and no false conflict.
    @Test(arguments: SyncEngine.CrashPoint.allCases)
    func aFreshInstanceElsewhereConvergesAfterACrash(at point: SyncEngine.CrashPoint) async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        _ = try await server.instance("setup").runCycle()
        try await server.personPushes("Rename medicopay") { try Self.rename("medicopay", to: "Renamed by a person", in: $0) }
        try await server.personPushes("Add a workflow") { checkout in
            let folder = checkout + "/workflows/new-flow"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: checkout + "/workflows/medicopay/definition.json", toPath: folder + "/definition.json")
            let yaml = try String(contentsOfFile: checkout + "/workflows/medicopay/workflow.yaml", encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("slug: ") }
                .map { $0.hasPrefix("name: ") ? "name: A new flow" : String($0) }.joined(separator: "\n")
            try yaml.write(toFile: folder + "/workflow.yaml", atomically: true, encoding: .utf8)
        }
        await server.fake.clearRequests()
        let doomed = try server.instance("doomed", crashingAt: point)
        await #expect { try await doomed.runCycle() } throws: { isSimulatedCrash($0, at: point) }

        let fresh = try server.instance("fresh")
        let report = try await fresh.runCycle()
        #expect(report.conflicts.isEmpty, "\(point): \(report.summaryLines())")
        let again = try await fresh.runCycle()
        #expect(!again.hasChanges && again.conflicts.isEmpty, "\(point): \(again.summaryLines())")
        let requests = await server.fake.requests()
        #expect(requests.filter { $0.method == "POST" && $0.path.hasSuffix("/workflows") }.count == 1, "\(point): created once")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed by a person")
        #expect(await server.fake.workflows.filter { $0.name == "A new flow" }.count == 1, "\(point)")
        let tree = try await server.originGit("ls-tree", "-r", "--name-only", "main")
        #expect(
            tree.contains("workflows/new-flow/workflow.yaml") || tree.contains("workflows/a-new-flow/workflow.yaml"), "\(point): \(tree)")
        let leftIntents = try await server.originGit("for-each-ref", "refs/kapso-gitsync/intents/")
        #expect(leftIntents.isEmpty, "\(point): the dead instance's intents are cleared once recorded: \(leftIntents)")
    }

    /// A main branch that only takes merges: the service commits to `kapso-gitsync/incoming`, never to
    /// main, and still sends what is merged into main to Kapso.
    @Test func withAProtectedMainTheServiceCommitsToTheIncomingBranchOnly() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        try await server.personPushes("Start") { try "flows\n".write(toFile: $0 + "/README.md", atomically: true, encoding: .utf8) }
        let mainBefore = try await server.originGit("rev-parse", "main")
        let engine = try server.instance("a", incoming: true)
        let imported = try await engine.runCycle()
        #expect(imported.pulled.count == 6)
        #expect(try await server.originGit("rev-parse", "main") == mainBefore, "main is never written")
        #expect(try await server.originGit("ls-tree", "--name-only", "kapso-gitsync/incoming", "workflows/").contains("medicopay"))

        // People merge the incoming branch into main, then a change of theirs is merged into main.
        let checkout = server.directory.path + "/team"
        #expect(try await runGit(["clone", "-q", server.origin, checkout]).status == 0)
        #expect(try await runGit(["merge", "-q", "--no-ff", "--no-edit", "origin/kapso-gitsync/incoming"], in: checkout).status == 0)
        try Self.rename("medicopay", to: "Renamed through main", in: checkout)
        #expect(try await runGit(["commit", "-q", "-am", "Rename medicopay"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout).status == 0)
        let mainAfterMerge = try await server.originGit("rev-parse", "main")

        let pushed = try await engine.runCycle()
        #expect(pushed.pushed.map(\.slug) == ["medicopay"], "\(pushed.summaryLines())")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Renamed through main")
        #expect(try await server.originGit("rev-parse", "main") == mainAfterMerge, "main is still only the team's")
        let record = try await server.originGit("log", "-1", "--format=%B", "kapso-gitsync/incoming")
        #expect(record.contains("Kapso-Pushed: medicopay"), "\(record)")

        // Meanwhile Kapso changes: the pull lands on incoming, on top of main's latest.
        let target = try #require(await server.fake.workflow(slug: "vigi-atencion"))
        await server.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Edited in Kapso" }
        _ = try await engine.runCycle()
        let incomingYAML = try await server.originGit("show", "kapso-gitsync/incoming:workflows/vigi-atencion/workflow.yaml")
        #expect(incomingYAML.contains("Edited in Kapso"))
        let isAncestor = try await runGit(["--git-dir", server.origin, "merge-base", "--is-ancestor", "main", "kapso-gitsync/incoming"])
        #expect(isAncestor.status == 0, "incoming holds everything main has, so merging it is clean")
        let quiet = try await engine.runCycle()
        #expect(!quiet.hasChanges && quiet.conflicts.isEmpty, "\(quiet.summaryLines())")

        // Main moves on without the incoming branch: the service merges main into it.
        try await server.personPushes("Notes") { try "notes\n".write(toFile: $0 + "/NOTES.md", atomically: true, encoding: .utf8) }
        let merged = try await engine.runCycle()
        #expect(merged.conflicts.isEmpty, "\(merged.summaryLines())")
        let parents = try await server.originGit("log", "-1", "--format=%P", "kapso-gitsync/incoming")
        #expect(parents.split(separator: " ").count == 2, "a merge commit: \(parents)")
        let containsMain = try await runGit(["--git-dir", server.origin, "merge-base", "--is-ancestor", "main", "kapso-gitsync/incoming"])
        #expect(containsMain.status == 0)
        #expect(try await server.originGit("show", "kapso-gitsync/incoming:NOTES.md") == "notes\n")
    }

    /// Main and the incoming branch change the same line: the merge waits for a person, and meanwhile
    /// every other workflow keeps syncing (one conflict used to stop them all until the unit failed).
    @Test func aConflictBetweenMainAndTheIncomingBranchStopsNothingElse() async throws {
        let server = try await makeServer()
        defer { Task { await server.fake.stop() } }
        try await server.personPushes("Start") { try "flows\n".write(toFile: $0 + "/README.md", atomically: true, encoding: .utf8) }
        let engine = try server.instance("a", incoming: true)
        _ = try await engine.runCycle()
        let checkout = server.directory.path + "/team"
        #expect(try await runGit(["clone", "-q", server.origin, checkout]).status == 0)
        #expect(try await runGit(["merge", "-q", "--no-ff", "--no-edit", "origin/kapso-gitsync/incoming"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout).status == 0)
        let medicopay = try #require(await server.fake.workflow(slug: "medicopay"))
        await server.fake.simulateEditorEdit(workflowID: medicopay.id) { $0.name = "Named in Kapso" }
        _ = try await engine.runCycle()
        try Self.rename("medicopay", to: "Named by the team", in: checkout)
        #expect(try await runGit(["commit", "-q", "-am", "Rename medicopay"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout).status == 0)
        let other = try #require(await server.fake.workflow(slug: "vigi-atencion"))
        await server.fake.simulateEditorEdit(workflowID: other.id) { $0.name = "Still flowing" }

        let blocked = try await engine.runCycle()
        #expect(blocked.failures.contains { $0.workflow == "branch kapso-gitsync/incoming" && $0.reason.contains("by hand") })
        #expect(blocked.pulled.map(\.slug) == ["vigi-atencion"], "\(blocked.summaryLines())")
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Named in Kapso", "nothing pushed from an unmerged main")

        // A person merges main into the incoming branch, keeping the team's name.
        #expect(try await runGit(["fetch", "-q", "origin"], in: checkout).status == 0)
        #expect(try await runGit(["checkout", "-q", "-B", "incoming", "origin/kapso-gitsync/incoming"], in: checkout).status == 0)
        _ = try await runGit(["merge", "-q", "--no-edit", "origin/main"], in: checkout)
        #expect(try await runGit(["checkout", "--theirs", "workflows/medicopay/workflow.yaml"], in: checkout).status == 0)
        #expect(try await runGit(["commit", "-q", "-am", "Merge main"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:kapso-gitsync/incoming"], in: checkout).status == 0)
        let resolved = try await engine.runCycle()
        #expect(resolved.failures.isEmpty, "\(resolved.summaryLines())")
        #expect(resolved.pushed.map(\.slug) == ["medicopay"])
        #expect(await server.fake.workflow(slug: "medicopay")?.name == "Named by the team")
    }
}
