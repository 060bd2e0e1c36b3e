import CanonicalJSON
import Foundation
import GitStore
import KapsoFake
import SyncEngine
import Synchronization
import TestSupport
import Testing
import WorkflowRepo

/// Random sequences of operations on both sides (seeded, so a failure is reproduced by its seed), checked
/// against a model of what each side was last told: Kapso renames workflows, moves start nodes
/// vertically, switches triggers on and off (which does not move `lock_version`), switches the status
/// between draft and active and re-saves without a change; people in git move start nodes
/// horizontally, add or remove an API trigger, move folders (`git mv`), create folders for new
/// workflows and remove folders (reported, never archived, by default); in between,
/// faults (server errors, lost answers, failed reads), an edit landing right before a write, cycles
/// killed at every crash point, and conflicts resolved the way a person would (Kapso's version with
/// their own edits applied again). Every edit touches a field only one side edits, so the end state
/// says whether any was lost. After the sequence: conflicts resolved, no edit lost on either side, git
/// and Kapso agree, no duplicate workflow, no intent left, `git fsck` clean, and a quiet cycle writes
/// nothing. `SOAK_SEEDS` (and `SOAK_FIRST_SEED`) run more seeds: `make soak SEEDS=5000`.
@Suite struct ModelBasedSyncTests {
    /// The seeds in a few batches, each run one seed after another: two hundred harnesses at once
    /// would only fight over two cores.
    static let batches: [ClosedRange<Int>] = {
        let environment = ProcessInfo.processInfo.environment
        let count = max(1, environment["SOAK_SEEDS"].flatMap(Int.init) ?? 200)
        let first = environment["SOAK_FIRST_SEED"].flatMap(Int.init) ?? 1
        let size = max(1, (count + 3) / 4)
        return stride(from: first, to: first + count, by: size).map { $0...min($0 + size, first + count) - 1 }
    }()

    @Test(arguments: batches)
    func noEditIsLostAndBothSidesConverge(seeds: ClosedRange<Int>) async throws {
        for seed in seeds { await check(seed: seed, folderOperations: true, functionOperations: true) }
    }

    /// Seeds that once found a hole, kept beyond the default range: 1752 (a person merged a conflict
    /// branch made obsolete by Kapso's revert, while a push was cut off after its PATCH; finishing the
    /// push undid Kapso's revert); 2227 (a push cut off after its PATCH, then undone in git: its intent
    /// was never recorded, and every cycle read the workflow again).
    /// They ran before folders were moved, created and removed: their sequences are those of that time.
    @Test(arguments: [1752, 2227])
    func seedThatOnceFailed(seed: Int) async throws {
        await check(seed: seed, folderOperations: false)
    }

    /// Seeds that found a hole once folders were moved, created and removed: 458 (a folder moved in git
    /// while Kapso switched a trigger, which keeps `lock_version`; the person resolved with
    /// `git merge -s ours`, and a rule that ordered versions by `lock_version` never recognised it);
    /// 1211 (after such a resolution, Kapso changed the workflow back to main's old version: with
    /// resolutions looked for only where the plan contested, git's resolution was pushed over it).
    @Test(arguments: [458, 1211])
    func seedWithFolderOperationsThatOnceFailed(seed: Int) async throws {
        await check(seed: seed, folderOperations: true)
    }

    /// Seeds that found a hole once functions were edited too: 877 (a merge landed and its commit did not;
    /// a person then merged the conflict branch holding the very Kapso version it was merged with, and
    /// moved on: the merge's copy of their older edit counted as Kapso's, and undid their newer one);
    /// 1254 (a push landed and its commit did not; git moved on, and the push of git's newer files failed:
    /// its intent had replaced the first one's, so Kapso's copy of git's older edit counted as Kapso's);
    /// 16011 (the same, the push of git's newer files refused with a 409 as Kapso renamed the workflow
    /// right before it: discarding the refused write's intent discarded the landed one's, and the merge
    /// that followed kept Kapso's copy of git's older move over git's newer one); 16404 (a conflict
    /// branch started where git had moved the folder since: removing the base entry's folder, which that
    /// tree no longer held, failed every cycle).
    @Test(arguments: [877, 1254, 16011, 16404])
    func seedWithFunctionOperationsThatOnceFailed(seed: Int) async throws {
        await check(seed: seed, folderOperations: true, functionOperations: true)
    }

    /// Runs one seed; an error thrown on the way (a person's merge that fails, a file missing) is
    /// reported with the sequence that led to it.
    func check(seed: Int, folderOperations: Bool, functionOperations: Bool = false) async {
        let model = Model()
        do {
            try await run(seed: seed, folderOperations: folderOperations, functionOperations: functionOperations, model: model)
        } catch {
            Issue.record("\(error)\nseed \(seed):\n  \(model.sequence)")
        }
    }

    /// What each side was last told, per workflow id. The Kapso-side name is also set from inside the
    /// fake (an edit right before a write), hence the lock.
    final class Model: Sendable {
        let names = Mutex<[String: String]>([:])
        /// Git's side; also set from inside a push (a person pushing while the service pushes).
        let startX = Mutex<[String: Int]>([:])
        /// Git's folder for each workflow: people move folders.
        let folder = Mutex<[String: String]>([:])
        /// Workflows whose folder a person removed (and has not restored).
        let removed = Mutex<Set<String>>([])
        func folder(of id: String) -> String { folder.withLock { $0[id]! } }
        func isRemoved(_ id: String) -> Bool { removed.withLock { $0.contains(id) } }
        let log = Mutex<[String]>([])
        func note(_ line: String) { log.withLock { $0.append(line) } }
        var sequence: String { log.withLock { $0.joined(separator: "\n  ") } }
    }

    func run(seed: Int, folderOperations: Bool, functionOperations: Bool, model: Model) async throws {
        // A third of the seeds sync through a git server, which people push to: half of them reach it by
        // path, half over HTTP (`git http-backend`).
        let withServer = seed % 3 == 0
        let overHTTP = withServer && seed % 2 == 1
        // A fifth of them through the legacy Flows API (which has no functions).
        let api: TestAPI = !functionOperations && seed % 5 == 4 ? .legacy : .platform
        // Half of them pack after every cycle that writes objects, so that packing meets every crash point.
        let packsEachCycle = seed % 2 == 0
        let harness = try await SyncHarness(
            withServer: withServer, serverOverHTTP: overHTTP, api: api,
            configure: {
                if packsEachCycle { $0.packing = PackingPolicy(looseObjects: 1, looseBytes: .max, smallPacks: 2, bytesPerRun: .max) }
            }
        ) {
            await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 3, seed: UInt64(seed))
        }
        defer { Task { await harness.stop() } }
        var random = SeededRandom(state: UInt64(seed) &* 7919 &+ 17)
        _ = try await harness.engine.runCycle()
        let workflows = await harness.fake.workflows
        let ids = workflows.map(\.id)
        let slugByID = Dictionary(uniqueKeysWithValues: workflows.map { ($0.id, $0.slug) })
        var startY: [String: Int] = [:]
        var inboundActive: [String: Bool] = [:]
        var apiTrigger: [String: Bool] = [:]
        var status = Dictionary(uniqueKeysWithValues: workflows.map { ($0.id, $0.status) })
        var made: [String] = []
        // Functions: Kapso adds lines at the top of the code, people at the bottom, so that every conflict
        // merges line by line and the end state says whether a line was lost.
        let functionSlugs = await harness.fake.functions.map(\.slug).sorted()
        var kapsoLines: [String: [String]] = [:]
        var gitLines: [String: [String]] = [:]
        model.folder.withLock { $0 = slugByID }
        model.note(
            "seed \(seed), \(api) API\(withServer ? ", through a git server" : "")\(overHTTP ? " over HTTP" : "")"
                + (packsEachCycle ? ", packing after each commit" : ""))
        var engine = try harness.restartedEngine()

        for step in 1...12 {
            let id = ids[random.next(ids.count)]
            let slug = model.folder(of: id)
            var operation = random.next(withServer ? 14 : 13)
            if folderOperations {
                operation = random.next(withServer ? 18 : 17)
                if !withServer && operation >= 13 { operation += 1 }
            }
            // A removed folder cannot be edited in git: the person's edit becomes a plain cycle.
            if model.isRemoved(id) && [4, 5, 6, 13, 14, 16, 17].contains(operation) { operation = 11 }
            if functionOperations && random.next(4) == 0 { operation = 18 + random.next(2) }
            let function = functionSlugs[step % functionSlugs.count]
            switch operation {
            case 18:
                let line = "// Kapso \(step)"
                model.note("\(step): Kapso adds \(line) to function \(function)")
                await harness.fake.simulateFunctionEdit(slug: function) { $0.code = line + "\n" + $0.code }
                kapsoLines[function, default: []].append(line)
            case 19:
                let line = "// git \(step)"
                model.note("\(step): git adds \(line) to function \(function)")
                try await harness.personCommits("Edit \(function)") { checkout in
                    let url = checkout.appendingPathComponent("functions/\(function)/index.js")
                    try Data((try String(contentsOf: url, encoding: .utf8) + line + "\n").utf8).write(to: url)
                }
                gitLines[function, default: []].append(line)
            case 0:
                let name = "Kapso name \(step)"
                model.note("\(step): Kapso renames \(slug) to \(name)")
                await harness.fake.simulateEditorEdit(workflowID: id) { $0.name = name }
                model.names.withLock { $0[id] = name }
            case 1:
                let y = 1000 + step
                model.note("\(step): Kapso moves the start of \(slug) to y \(y)")
                await harness.fake.simulateEditorEdit(workflowID: id) { $0.setStart("y", to: y) }
                startY[id] = y
            case 2:
                let active = !(inboundActive[id] ?? true)
                model.note("\(step): Kapso switches the inbound trigger of \(slug) \(active ? "on" : "off") (lock_version stays)")
                await harness.fake.simulateTriggerEdit(workflowID: id) { triggers in
                    for index in triggers.indices where triggers[index].triggerType == "inbound_message" { triggers[index].active = active }
                }
                inboundActive[id] = active
            case 3:
                model.note("\(step): Kapso re-saves \(slug) without a change")
                await harness.fake.simulateEditorEdit(workflowID: id) { _ in }
            case 4, 5:
                let x = 2000 + step
                model.note("\(step): git moves the start of \(slug) to x \(x)")
                try await harness.personCommits("Move \(slug)") { checkout in
                    try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) { $0.setStartX(x) }
                }
                model.startX.withLock { $0[id] = x }
            case 6:
                let wanted = !(apiTrigger[id] ?? false)
                model.note("\(step): git \(wanted ? "adds" : "removes") an API trigger on \(slug)")
                try await harness.personCommits("API trigger on \(slug)") { checkout in
                    try Self.setAPITrigger(wanted, in: checkout.appendingPathComponent("workflows/\(slug)/workflow.yaml"))
                }
                apiTrigger[id] = wanted
            case 7:
                let fault = Self.faults[random.next(Self.faults.count)]
                model.note("\(step): Kapso fails: \(fault.name); cycle")
                await harness.fake.inject(fault.rule)
                _ = try? await engine.runCycle()
                await harness.fake.clearFaults()
            case 8:
                let name = "Edited right before a write \(step)"
                // On the legacy API, before its last read ahead of a write: what lands between that read and
                // the PATCH is the window no client can close (the README says so).
                let (method, path) = api == .platform ? ("PATCH", nil) : ("GET", "/flows/\(id)/definition")
                model.note("\(step): Kapso renames \(slug) right before the next \(method) \(path ?? ""); cycle")
                await harness.fake.onceBefore(method: method, path: path) { fake in
                    fake.simulateEditorEdit(workflowID: id) { $0.name = name }
                    model.names.withLock { $0[id] = name }
                }
                _ = try? await engine.runCycle()
            case 9:
                let points = SyncEngine.CrashPoint.allCases
                let point = points[random.next(points.count)]
                model.note("\(step): a cycle dies at \(point)")
                _ = try? await harness.restartedEngine(crashingAt: point).runCycle()
                engine = try harness.restartedEngine()
            case 10:
                let keepMain = folderOperations && random.next(2) == 0
                model.note("\(step): a person resolves the conflicts\(keepMain ? " on main, then merges with -s ours" : "")")
                try await resolveConflicts(harness, model: model, apiTrigger: apiTrigger, keepMain: keepMain)
            case 13:
                let x = 3000 + step
                model.note("\(step): a person pushes a move of the start of \(slug) to x \(x) while the service pushes; cycle")
                let checkout = try await harness.personCheckout()
                await engine.git.setPushInterleaving {
                    if Self.personPushesNow(checkout, file: "workflows/\(slug)/definition.json", { $0.setStartX(x) }) {
                        model.startX.withLock { $0[id] = x }
                    }
                }
                _ = try? await engine.runCycle()
                // Only during this cycle's push: when it pushed nothing, the person did not push either.
                await engine.git.setPushInterleaving(nil)
            case 14:
                let to = "moved-\(step)"
                model.note("\(step): git moves the folder of \(slug) to \(to) (git mv)")
                try await harness.personCommits("Move \(slug) to \(to)") { checkout in
                    let workflows = checkout.appendingPathComponent("workflows")
                    try FileManager.default.moveItem(
                        at: workflows.appendingPathComponent(slug), to: workflows.appendingPathComponent(to))
                }
                model.folder.withLock { $0[id] = to }
            case 15:
                let next = status[id] == "active" ? "draft" : "active"
                model.note("\(step): Kapso sets the status of \(slug) to \(next)")
                await harness.fake.simulateEditorEdit(workflowID: id) { $0.status = next }
                status[id] = next
            case 16:
                let new = "made-\(step)"
                model.note("\(step): git creates \(new), a copy of \(slug)")
                try await harness.personCommits("Create \(new)") { checkout in
                    let workflows = checkout.appendingPathComponent("workflows")
                    let folder = workflows.appendingPathComponent(new)
                    try FileManager.default.copyItem(at: workflows.appendingPathComponent(slug), to: folder)
                    // The legacy API cannot set a status: its new flows are drafts.
                    var lines = ["slug": new, "name": "Made \(step)"]
                    if api == .legacy { lines["status"] = "draft" }
                    try Self.setYAMLLines(lines, in: folder.appendingPathComponent("workflow.yaml"))
                    // Its own definition: a copy left identical, with the original removed, is a rename (the
                    // planner's rule, in its table tests).
                    try editJSON(folder.appendingPathComponent("definition.json")) { $0.setStartX(5000 + step) }
                }
                made.append(new)
            case 17:
                model.note("\(step): git removes the folder of \(slug)")
                try await harness.personCommits("Remove \(slug)") { checkout in
                    try FileManager.default.removeItem(at: checkout.appendingPathComponent("workflows/\(slug)"))
                }
                model.removed.withLock { _ = $0.insert(id) }
            default:
                model.note("\(step): cycle")
                // A cycle with nothing to do is run twice, so that later steps meet an idle cycle's record
                // (the next cycle must see what they change), without drawing another random number.
                if let report = try? await engine.runCycle(), !report.hasChanges, report.commit == nil {
                    model.note("\(step): nothing done; cycle again")
                    _ = try? await engine.runCycle()
                }
            }
        }

        // The person resolves what is left, and the service (now reading everything: trigger edits do not
        // move lock_version) runs until nothing remains.
        let finalEngine = try harness.restartedEngine(fullResyncIntervalSeconds: 0)
        var last: CycleReport?
        let startX = model.startX.withLock { $0 }
        for _ in 0..<6 {
            try await resolveConflicts(harness, model: model, apiTrigger: apiTrigger)
            let report = try await finalEngine.runCycle()
            last = report
            if !report.hasChanges && report.conflicts.isEmpty && report.failures.isEmpty && report.commit == nil { break }
        }
        let sequence = "seed \(seed):\n  \(model.sequence)"
        let final = try #require(last)
        #expect(
            !final.hasChanges && final.commit == nil && final.conflicts.isEmpty && final.failures.isEmpty && final.invalid.isEmpty,
            "no convergence: \(final.summaryLines())\n\(sequence)")
        let quiet = try await harness.restartedEngine().runCycle()
        #expect(quiet.commit == nil && !quiet.hasChanges && quiet.objectsWritten == 0, "a quiet cycle wrote: \(sequence)")

        let everything = await harness.fake.workflows
        #expect(everything.count == ids.count + made.count, "a workflow was created twice, or not at all: \(sequence)")
        for new in made {
            let kapso = everything.filter { $0.slug == new }
            #expect(kapso.count == 1 && kapso.first?.status != "archived", "\(new) is not in Kapso once: \(sequence)")
            let yaml = String(decoding: try await harness.file("workflows/\(new)/workflow.yaml"), as: UTF8.self)
            #expect(kapso.first.map { yaml.contains("name: \($0.name)\n") } == true, "git and Kapso differ on \(new): \(sequence)")
        }
        let names = model.names.withLock { $0 }
        for id in ids {
            let slug = model.folder(of: id)
            let kapso = try #require(await harness.fake.workflow(id: id))
            let start = kapso.nodes.first { $0["id"]?.stringValue == "start" }?["position"]
            if let name = names[id] { #expect(kapso.name == name, "Kapso lost its rename of \(slug): \(sequence)") }
            if let y = startY[id] { #expect(start?["y"]?.numberValue?.intValue == y, "Kapso lost its move of \(slug): \(sequence)") }
            #expect(kapso.status == status[id], "Kapso lost its status change of \(slug): \(sequence)")
            let inbound = kapso.triggers.first { $0.triggerType == "inbound_message" }
            if let active = inboundActive[id] {
                #expect(inbound?.active == active, "Kapso lost its trigger switch on \(slug): \(sequence)")
            }
            if model.isRemoved(id) {
                // Removed in git, kept in Kapso (the default policy reports it): git's edits went with the folder.
                #expect((try? await harness.file("workflows/\(slug)/workflow.yaml")) == nil, "\(slug) came back: \(sequence)")
                continue
            }
            // A flow has no slug: a move in git is the folder's alone, kept by the remote-map.
            if api == .platform {
                #expect(kapso.slug == slug, "git's move of \(slug) never reached Kapso (\(kapso.slug)): \(sequence)")
            }
            if let x = startX[id] {
                #expect(start?["x"]?.numberValue?.intValue == x, "git's move of \(slug) never reached Kapso: \(sequence)")
            }
            #expect(
                kapso.triggers.contains { $0.triggerType == "api_call" } == (apiTrigger[id] ?? false),
                "git's API trigger on \(slug) is not what Kapso holds: \(sequence)")
            let yaml = String(decoding: try await harness.file("workflows/\(slug)/workflow.yaml"), as: UTF8.self)
            #expect(yaml.contains("name: \(kapso.name)\n"), "git and Kapso differ on the name of \(slug): \(sequence)")
            #expect(yaml.contains("status: \(kapso.status)\n"), "git and Kapso differ on the status of \(slug): \(sequence)")
            let definition = try JSONParser.parse(try await harness.file("workflows/\(slug)/definition.json"))
            let gitStart = definition["nodes"]?.arrayValue?.first { $0["id"]?.stringValue == "start" }?["position"]
            #expect(gitStart == start, "git and Kapso differ on the start of \(slug): \(sequence)")
        }
        for function in functionSlugs {
            let kapso = try #require(await harness.fake.function(slug: function)).code
            let git = String(decoding: try await harness.file("functions/\(function)/index.js"), as: UTF8.self)
            #expect(kapso == git, "git and Kapso differ on function \(function): \(sequence)")
            for line in kapsoLines[function, default: []] + gitLines[function, default: []] {
                #expect(kapso.contains(line + "\n"), "function \(function) lost \(line): \(sequence)")
            }
        }
        let intents = (try? FileManager.default.contentsOfDirectory(atPath: harness.directory.path + "/state/intents")) ?? []
        #expect(intents.isEmpty, "intents left behind: \(intents)\n\(sequence)")
        #expect(try await harness.git.references(withPrefix: "refs/heads/kapso-gitsync/").isEmpty, "a conflict branch is left: \(sequence)")
        let fsck = try await runGit(["--git-dir", harness.repositoryPath, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.output)\n\(sequence)")
    }

    func isMerged(_ tip: ObjectID, into main: ObjectID, _ store: GitStore) async throws -> Bool {
        if tip == main { return true }
        return try await store.isDescendant(main, of: tip)
    }

    /// A person's edit, commit and push to the server, run to the end before it returns: it runs
    /// inside the service's push, on its repository's own thread.
    /// Returns whether the push landed.
    @discardableResult
    static func personPushesNow(_ checkout: URL, file: String, _ edit: (inout JSONValue) -> Void) -> Bool {
        func git(_ script: String) -> Bool { onOwnThread { runPersonGit(script, in: checkout) } }
        guard git("git fetch -q origin && git reset -q --hard origin/main"),
            (try? editJSON(checkout.appendingPathComponent(file), edit)) != nil
        else { return false }
        return git("git commit -qam 'Moved while the service pushed' && git push -q origin HEAD:main")
    }

    /// Runs `body` on a thread of its own with a full-size stack, and waits for it. Called from libgit2's
    /// callback deep inside a push, on a dispatch thread's small stack, Foundation's `Process.run()` once
    /// crashed at the edge of that stack (a bad pointer in `memcpy`, at a page boundary, in the soak).
    static func onOwnThread(_ body: @escaping @Sendable () -> Bool) -> Bool {
        let result = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return result.withLock { $0 }
    }

    static func runPersonGit(_ script: String, in checkout: URL) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = checkout
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        for key in ["GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"] { environment[key] = "Test Person" }
        for key in ["GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"] { environment[key] = "person@example.invalid" }
        process.environment = environment
        guard (try? launch(process)) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static let faults: [(name: String, rule: FakeFaultRule)] = [
        ("every PATCH answers 500", FakeFaultRule(method: "PATCH", fault: .status(500), count: 100)),
        ("a PATCH lands and its answer is lost", FakeFaultRule(method: "PATCH", fault: .connectionReset)),
        ("a trigger replacement lands and its answer is lost", FakeFaultRule(method: "PUT", fault: .connectionReset)),
        ("every definition read answers 503", FakeFaultRule(method: "GET", pathPrefix: "/workflows/", fault: .status(503), count: 100)),
        ("the list answers 500", FakeFaultRule(method: "GET", pathPrefix: "/workflows", fault: .status(500), count: 100)),
    ]

    /// Adds or removes the `api_call` trigger at the end of `workflow.yaml` (triggers are its last key).
    static func setAPITrigger(_ wanted: Bool, in url: URL) throws {
        let entry = "  - active: false\n    triggerType: api_call\n"
        var yaml = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: entry, with: "")
        if wanted { yaml += entry }
        try Data(yaml.utf8).write(to: url)
    }

    /// Replaces the first line of each `key: ` in `workflow.yaml` (the CLI writes one scalar per line).
    static func setYAMLLines(_ values: [String: String], in url: URL) throws {
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        for (key, value) in values {
            if let index = lines.firstIndex(where: { $0.hasPrefix("\(key): ") }) { lines[index] = "\(key): \(value)" }
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
    }

    /// Merges every conflict branch as a person would in a pull request: Kapso's version of the
    /// workflow with the person's own edits applied again (moves of the start node, the API trigger,
    /// the folder's place), and the base entry from the branch. A workflow whose folder they removed
    /// and that changed in Kapso since, they restore.
    /// `keepMain`: the person edits main's files and merges the branch with `-s ours` (main's tree whole,
    /// its remote-map entry unmoved: the resolution is recognised by the branch's commit in the history).
    func resolveConflicts(_ harness: SyncHarness, model: Model, apiTrigger: [String: Bool], keepMain: Bool = false) async throws {
        // What people see: the server when there is one.
        let shared = try harness.server.map { try GitStore(path: $0, createIfMissing: false) } ?? harness.git
        func file(_ path: String, at branch: String = "main") async throws -> [UInt8] {
            try await harness.file(path, at: branch, in: shared)
        }
        let startX = model.startX.withLock { $0 }
        for reference in try await shared.references(withPrefix: "refs/heads/kapso-gitsync/conflict/") {
            let branch = String(reference.dropFirst("refs/heads/".count))
            // Already merged, waiting for the next cycle to notice and delete it.
            if let tip = try await shared.resolve(reference: reference), let main = try await shared.resolve(reference: "refs/heads/main"),
                try await isMerged(tip, into: main, shared)
            {
                continue
            }
            var ours = try RemoteMap(bytes: try await file(".kapso/remote-map.json"))
            let theirsMap = try RemoteMap(bytes: try await file(".kapso/remote-map.json", at: branch))
            if branch.hasPrefix("kapso-gitsync/conflict/functions/") {
                // Kapso's code with the person's lines that it lacks, and the branch's base entry.
                let slug = String(branch.dropFirst("kapso-gitsync/conflict/functions/".count))
                let theirs = String(decoding: try await file("functions/\(slug)/index.js", at: branch), as: UTF8.self)
                let mine = String(decoding: try await file("functions/\(slug)/index.js"), as: UTF8.self)
                let missing = mine.split(separator: "\n").filter { $0.hasPrefix("// git ") && !theirs.contains($0 + "\n") }
                let yaml = try await file("functions/\(slug)/function.yaml", at: branch)
                guard let entry = theirsMap.functions[slug] else {
                    throw SyncHarness.HarnessError(description: "\(branch) has no remote-map entry for its function")
                }
                try await harness.personMerges(branch) { checkout in
                    ours.setFunction(entry)
                    try Data(ours.canonicalBytes()).write(to: checkout.appendingPathComponent(".kapso/remote-map.json"))
                    let folder = checkout.appendingPathComponent("functions/\(slug)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    try Data(yaml).write(to: folder.appendingPathComponent("function.yaml"))
                    let code = theirs + missing.map { $0 + "\n" }.joined()
                    try Data(code.utf8).write(to: folder.appendingPathComponent("index.js"))
                }
                continue
            }
            // The workflow, as the branch's commit names it (its folder may have moved since).
            let trailer = try await runGit([
                "--git-dir", harness.server ?? harness.repositoryPath, "log", "-1", "--format=%(trailers:key=Kapso-Conflict,valueonly)",
                reference,
            ]).output
            guard let idField = trailer.split(separator: " ").first(where: { $0.hasPrefix("id=") }),
                let entry = theirsMap.entry(forID: String(idField.dropFirst(3)))
            else {
                throw SyncHarness.HarnessError(description: "\(branch) names no workflow: \(trailer)")
            }
            let id = entry.id
            let kapsoSlug = entry.slug
            // Their own folder for it (where they moved it, or had it before removing it); a workflow they
            // created has no other.
            let gitFolder = model.folder.withLock { $0[id] } ?? kapsoSlug
            let theirsDefinition = try await file("workflows/\(kapsoSlug)/definition.json", at: branch)
            let theirsYAML = try await file("workflows/\(kapsoSlug)/workflow.yaml", at: branch)
            // `-s ours` keeps main's base entry: where Kapso also moved the folder, only the branch's entry says so.
            let strategy = keepMain && ours.entry(forID: id)?.slug == kapsoSlug ? ["-s", "ours"] : ["-s", "recursive", "-X", "no-renames"]
            try await harness.personMerges(branch, strategy: strategy) { checkout in
                if strategy.count == 4 {
                    ours.set(entry)
                    try Data(ours.canonicalBytes()).write(to: checkout.appendingPathComponent(".kapso/remote-map.json"))
                }
                let workflows = checkout.appendingPathComponent("workflows")
                let folder = workflows.appendingPathComponent(gitFolder)
                if gitFolder != kapsoSlug {
                    // Their folder moved in git: Kapso's files go there, and stay recognised as moved by their `slug:`.
                    try? FileManager.default.removeItem(at: workflows.appendingPathComponent(kapsoSlug))
                }
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(theirsDefinition).write(to: folder.appendingPathComponent("definition.json"))
                try Data(theirsYAML).write(to: folder.appendingPathComponent("workflow.yaml"))
                if let x = startX[id] {
                    try editJSON(folder.appendingPathComponent("definition.json")) { $0.setStartX(x) }
                }
                if let wanted = apiTrigger[id] {
                    try Self.setAPITrigger(wanted, in: folder.appendingPathComponent("workflow.yaml"))
                }
            }
            model.removed.withLock { _ = $0.remove(id) }
        }
    }
}

extension FakeWorkflow {
    /// Sets the x or y position of the start node, as the Kapso editor would.
    mutating func setStart(_ axis: String, to value: Int) {
        guard let index = nodes.firstIndex(where: { $0["id"]?.stringValue == "start" }), case .object(var node) = nodes[index],
            case .object(var position)? = node["position"]
        else { return }
        position[axis] = .number(JSONNumber(value))
        node["position"] = .object(position)
        nodes[index] = .object(node)
    }
}

extension JSONValue {
    /// Sets the x position of the start node.
    mutating func setStartX(_ x: Int) {
        guard case .object(var root) = self, case .array(var nodes)? = root["nodes"],
            let index = nodes.firstIndex(where: { $0["id"]?.stringValue == "start" }), case .object(var node) = nodes[index],
            case .object(var position)? = node["position"]
        else { return }
        position["x"] = .number(JSONNumber(x))
        node["position"] = .object(position)
        nodes[index] = .object(node)
        root["nodes"] = .array(nodes)
        self = .object(root)
    }
}
