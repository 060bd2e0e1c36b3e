import CanonicalJSON
import Foundation
import KapsoFake
import Synchronization
import TestSupport
import Testing

/// The real `kapso-gitsync sync` killed with `SIGKILL` at random moments (seeded), between edits in
/// Kapso and in git (some of them in one workflow, which the sync merges and pushes), Kapso answering
/// slowly so that kills land inside cycles: inside reads, writes, merges, commits and reference
/// updates. Then it runs to the end (a person merging what it reports in conflict), and nothing may be
/// lost, repeated or left locked. `KILL_SEEDS` (and `KILL_FIRST_SEED`) run more seeds:
/// `make soak-kills SEEDS=100`.
@Suite struct KilledSyncTests {
    /// The seeds `KILL_SEEDS` asks for, from `KILL_FIRST_SEED` (1 unless set); nil when it asks none.
    static let requestedSeeds: [Int]? = {
        let environment = ProcessInfo.processInfo.environment
        guard let count = environment["KILL_SEEDS"].flatMap(Int.init), count > 0 else { return nil }
        let first = environment["KILL_FIRST_SEED"].flatMap(Int.init) ?? 1
        return Array(first..<(first + count))
    }()

    @Test(Fixtures.required, arguments: requestedSeeds ?? [1, 2, 3])
    func aSyncKilledAnywhereLosesAndRepeatsNothing(seed: Int) async throws {
        try await killedSyncs(seed: seed, api: .platform)
    }

    /// The same through the legacy Flows API, whose write schema lacks some of the real workflows' node
    /// types: generated workflows (which need no fixtures).
    @Test(arguments: requestedSeeds ?? [1, 2])
    func aLegacySyncKilledAnywhereLosesAndRepeatsNothing(seed: Int) async throws {
        try await killedSyncs(seed: seed, api: .legacy)
    }

    func killedSyncs(seed: Int, api: TestAPI) async throws {
        let setup = try await EndToEndSetup.forSync(
            api: api, seed: api == .legacy ? { await $0.seedGenerated(workflows: 6, nodesPerWorkflow: 6, seed: UInt64(seed)) } : nil)
        defer { Task { await setup.fake.stop() } }
        // Every sync that commits packs its loose objects and merges its packs too, so that kills land
        // inside packing as well.
        let environment = setup.environment.merging([
            "KAPSO_GITSYNC_REPOSITORY_PACK_LOOSE_OBJECTS": "1", "KAPSO_GITSYNC_REPOSITORY_PACK_SMALL_PACKS": "2",
        ]) { $1 }
        let first = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: environment)
        #expect(first.status == 0, "\(first.combined)")
        var random = SeededRandom(state: UInt64(seed) &* 104_729)
        let workflows = await setup.fake.workflows
        // Kapso renames the first half; people move the start node of the second half, and in some rounds
        // of the workflow Kapso renamed: both edits then meet in one workflow and merge, or come out as
        // a conflict where a killed write of that workflow is still unconfirmed (see the end).
        let kapsoSide = Array(workflows.prefix(workflows.count / 2))
        let gitSide = Array(workflows.suffix(from: workflows.count / 2))
        // Drawn apart from `random`, so that a seed's kills and picks stay what they were before.
        var sharing = SeededRandom(state: UInt64(seed) &* 7919 &+ 1)
        var names: [String: String] = [:]
        var moves: [String: Int] = [:]
        var log: [String] = []
        var kills = 0
        let checkout = setup.directory.path + "/person"
        #expect(try await runGit(["clone", "-q", setup.repository, checkout]).status == 0)
        await setup.fake.inject(FakeFaultRule(fault: .delay(.milliseconds(15)), count: 100_000))

        for round in 1...8 {
            let kapso = kapsoSide[random.next(kapsoSide.count)]
            let name = "Renamed in round \(round)"
            await setup.fake.simulateEditorEdit(workflowID: kapso.id) { $0.name = name }
            names[kapso.id] = name
            let gitPick = gitSide[random.next(gitSide.count)]
            let shared = sharing.next(3) == 0
            let git = shared ? kapso : gitPick
            let x = 5000 + round
            let pulled = try await runGit(commands: [["fetch", "-q", "origin"], ["reset", "-q", "--hard", "origin/main"]], in: checkout)
            #expect(pulled.status == 0, "\(pulled.output)")
            try editStart(x: x, in: checkout + "/workflows/\(git.slug)/definition.json")
            var pushed = try await runGit(
                commands: [["commit", "-qam", "Move \(git.slug)"], ["push", "-q", "origin", "HEAD:main"]], in: checkout)
            if pushed.status != 0 && pushed.output.contains("refs/heads/main.lock") {
                // The last sync was killed inside its update of main and left the lock, which refuses the
                // push as it would git's own: the service's next cycle removes it, and the person pushes again.
                let next = try await ProcessRunner.run("kapso-gitsync", ["sync", "--config", setup.configPath], environment: environment)
                #expect(next.status == 0, "\(next.combined)")
                pushed = try await runGit(
                    commands: [["pull", "-q", "--rebase", "origin", "main"], ["push", "-q", "origin", "HEAD:main"]], in: checkout)
                log.append("round \(round): the push met the lock a killed sync left; pushed again after the next sync")
            }
            #expect(pushed.status == 0, "\(pushed.output)")
            moves[git.id] = x
            let delay = random.next(400)
            let killed = try await runKilled(after: .milliseconds(delay), setup: setup, environment: environment)
            log.append(
                "round \(round): Kapso renames \(kapso.slug), git moves \(git.slug)\(shared ? " (the same workflow: a merge)" : ""); "
                    + "\(killed ? "killed" : "ended") after \(delay) ms")
            if killed { kills += 1 }
        }
        #expect(kills > 0, "some syncs were killed in the middle")

        await setup.fake.clearFaults()
        var last: ProcessResult?
        for _ in 0..<4 {
            let result = try await ProcessRunner.run(
                "kapso-gitsync", ["sync", "--config", setup.configPath], environment: environment)
            last = result
            if result.status == 0 && result.standardOutput.hasPrefix("in sync") { break }
            // A conflict is a right answer where a write killed before its record was confirmed meets
            // later edits on both sides (README, "a conflict: someone else's edit, never taken for
            // ours"). The person merges Kapso's version, keeping their own move where both changed it.
            if result.status == 3 {
                let merged = try await mergeConflictBranches(in: checkout)
                log.append("then: \(merged.joined(separator: ", ")) in conflict, merged with -X ours and pushed")
            }
        }
        let final = try #require(last)
        let sequence = "seed \(seed):\n  " + log.joined(separator: "\n  ")
        #expect(final.status == 0 && final.standardOutput.hasPrefix("in sync"), "\(final.combined)\n\(sequence)")
        #expect(await setup.fake.workflows.count == workflows.count, "nothing created twice: \(sequence)")
        for workflow in workflows {
            let now = try #require(await setup.fake.workflow(id: workflow.id))
            if let name = names[workflow.id] { #expect(now.name == name, "Kapso's rename of \(workflow.slug) lost: \(sequence)") }
            if let x = moves[workflow.id] {
                let start = now.nodes.first { $0["data"]?["node_type"]?.stringValue == "start" }
                #expect(start?["position"]?["x"]?.numberValue?.intValue == x, "git's move of \(workflow.slug) lost: \(sequence)")
            }
        }
        let fsck = try await runGit(["--git-dir", setup.repository, "fsck", "--full", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)\n\(sequence)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: setup.repository + "/objects/pack").filter { $0.hasSuffix(".pack") }
        #expect(!packs.isEmpty, "the syncs packed their objects: \(sequence)")
        let locks = try await runProcess(URL(fileURLWithPath: "/usr/bin/find"), [setup.repository, "-name", "*.lock"])
        #expect(locks.standardOutput.isEmpty, "locks left: \(locks.standardOutput)\n\(sequence)")
    }

    /// Merges each conflict branch into main as a person would (`git merge -X ours`: Kapso's version,
    /// with main's lines where both sides changed the same ones) and pushes; the branches' names.
    func mergeConflictBranches(in checkout: String) async throws -> [String] {
        let updated = try await runGit(
            commands: [["fetch", "-q", "--prune", "origin"], ["checkout", "-q", "main"], ["reset", "-q", "--hard", "origin/main"]],
            in: checkout)
        #expect(updated.status == 0, "\(updated.output)")
        let listed = try await runGit(
            ["for-each-ref", "--format=%(refname:short)", "refs/remotes/origin/kapso-gitsync/conflict/"], in: checkout)
        let branches = listed.output.split(separator: "\n").map(String.init)
        for branch in branches {
            let merged = try await runGit(["merge", "-q", "--no-edit", "-X", "ours", branch], in: checkout)
            #expect(merged.status == 0, "\(branch): \(merged.output)")
        }
        let pushed = try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout)
        #expect(pushed.status == 0, "\(pushed.output)")
        return branches
    }

    /// Starts `sync` and kills it with SIGKILL after `delay`, unless it ends first; whether it was killed.
    func runKilled(after delay: Duration, setup: EndToEndSetup, environment extra: [String: String]) async throws -> Bool {
        let process = Process()
        process.executableURL = ProcessRunner.executable("kapso-gitsync")
        process.arguments = ["sync", "--config", setup.configPath]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Set once the process is reaped: its pid may then belong to another process, never to be killed.
        let ended = Ended()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
            process.terminationHandler = { finished in
                ended.flag.withLock { $0 = true }
                continuation.resume(returning: finished.terminationReason == .uncaughtSignal)
            }
            do {
                try launch(process)
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            let pid = process.processIdentifier
            Task {
                try? await Task.sleep(for: delay)
                ended.flag.withLock { if !$0 { kill(pid, SIGKILL) } }
            }
        }
    }

    final class Ended: Sendable {
        let flag = Mutex(false)
    }

    /// Moves the start node of a definition in a person's checkout, keeping the file canonical.
    func editStart(x: Int, in path: String) throws {
        let url = URL(fileURLWithPath: path)
        var value = try JSONParser.parse([UInt8](try Data(contentsOf: url)))
        guard case .object(var root) = value, case .array(var nodes)? = root["nodes"],
            let index = nodes.firstIndex(where: { $0["data"]?["node_type"]?.stringValue == "start" }),
            case .object(var node) = nodes[index], case .object(var position)? = node["position"]
        else { throw CocoaError(.fileReadCorruptFile) }
        position["x"] = .number(JSONNumber(x))
        node["position"] = .object(position)
        nodes[index] = .object(node)
        root["nodes"] = .array(nodes)
        value = .object(root)
        try Data(CanonicalJSONWriter.canonicalBytes(value)).write(to: url)
    }
}
