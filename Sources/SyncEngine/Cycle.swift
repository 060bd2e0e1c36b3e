import CanonicalJSON
import Foundation
import GitStore
import KapsoModels
import Logging
import WorkflowRepo

/// The working state of one sync cycle; its steps live in the `Cycle+…` files, in the order they run:
/// `Cycle+Remote` (read Kapso), `Cycle+Local` (read git), `Cycle+Reconcile` (plan, then carry out each
/// action: `Cycle+Push`, `Cycle+Create`, `Cycle+Conflict`), then `commit` and `finish` here. Decisions
/// are made by pure types (`FetchPlanner`, `ReconcilePlanner`, `OwnWriteRecognizer`,
/// `TriggerReplacement`, `WriteFailurePolicy`, `ConflictBranchPlanner`); the cycle carries them out.
struct Cycle {
    let engine: SyncEngine
    let dryRun: Bool
    /// Asked between fetches: a stop requested while reading Kapso ends the cycle before any write.
    let shouldStop: @Sendable () -> Bool
    var writesStatus: Bool

    // Read before anything is decided, and never changed.
    let requestsBefore: Int
    let objectsBefore: Int
    let head: ObjectID?
    let baseTree: ObjectID?
    /// The remote-map as read from the head.
    let committedBase: RemoteMap
    /// The base of every comparison: the remote-map as read from the head, where a person resolved a
    /// conflict by merging its branch in a way that kept main's remote-map entry (`-s ours`) moved to
    /// the Kapso version they resolved against (`ConflictResolution`).
    var base: RemoteMap
    let savedState: SyncState
    /// Read from the state file's JSON form of an earlier release: saved in the current form even unchanged.
    let stateInEarlierForm: Bool
    let now: Double
    let list: WorkflowList
    let fetchPlan: FetchPlanner.Plan
    /// The digests of the list answers read (`IdleRecord`), and how many answers there were.
    var listDigests = ListDigests()
    /// The function list's answer when it was read before the cycle began, not parsed yet.
    var functionListAnswer: [UInt8]?

    // Read during the cycle: by `fetchRemote` and `readLocal`, and again after a write (`readBack`).
    /// Workflows read from Kapso this cycle, by id, with their canonical files already stored as blobs.
    var remote: [String: RemoteVersion] = [:]
    /// Ids this cycle must leave alone: unreadable, refused, or failed to fetch.
    var untouchable: Set<String> = []
    var local: LocalSnapshot = LocalSnapshot()
    /// The state's records described the base's `workflows/` tree whole when it was read.
    var localRecordsWhole = false
    var references: ReferenceMaps?
    /// The branch's recent history, read once when a merge or a conflict needs it.
    var history: [HistoryCommit]?
    /// The source files (`workflow.js`, `workflow.ts`) of the workflows this cycle acts on, by id.
    var sources: [String: WorkflowSource] = [:]
    var settledSources: Set<String> = []
    /// The functions' side of the cycle (`Cycle+Functions`).
    var functions = FunctionWork()
    /// CPU time of the fetch's two kinds of work, summed over the threads that did them.
    var fetchWork = FetchWork()

    // Changed by the actions.
    /// For git: the commit and the conflict branches.
    var outcome: CycleOutcome
    /// For the state directory: what is known to match the base, what is still to read.
    var state: SyncState
    var intents: PushIntentLedger
    var report: CycleReport

    var git: GitStore { engine.git }
    var client: any KapsoBackend { engine.client }
    var configuration: SyncConfiguration { engine.configuration }

    init(
        engine: SyncEngine, dryRun: Bool, shouldStop: @escaping @Sendable () -> Bool = { false }, reads: CycleReads = CycleReads()
    ) async throws(SyncError) {
        self.engine = engine
        self.dryRun = dryRun
        self.shouldStop = shouldStop
        writesStatus = !dryRun
        report = CycleReport(cycleID: SyncEngine.newCycleID())
        report.dryRun = dryRun
        requestsBefore = engine.client.requestsSent - reads.requests
        objectsBefore = await engine.git.objectsWritten
        do {
            head = try await engine.git.resolve(reference: engine.configuration.branchReference)
            if let head { baseTree = try await engine.git.tree(ofCommit: head) } else { baseTree = nil }
        } catch {
            throw .git(error)
        }
        if let cached = engine.cache.withLock({ $0.state }) {
            savedState = cached
            stateInEarlierForm = false
        } else if let file = reads.stateFile {
            (savedState, stateInEarlierForm) = SyncState.decodeNotingForm(file.bytes)
            engine.cache.withLock { $0.stateFileDigest = file.digest }
        } else {
            (savedState, stateInEarlierForm) = SyncState.loadNotingForm(from: engine.configuration.stateDirectory)
            engine.cache.withLock { $0.stateFileDigest = nil }
        }
        state = savedState
        committedBase = try await Self.readRemoteMap(engine: engine, tree: baseTree, written: savedState.remoteMapWritten)
        base = committedBase
        outcome = CycleOutcome(remoteMap: committedBase)
        let currentTime = Date().timeIntervalSince1970
        now = currentTime
        intents = PushIntentLedger(stateDirectory: engine.configuration.stateDirectory)
        let interval = Double(engine.configuration.fullResyncIntervalSeconds)
        let fullPass = savedState.lastFullPass.map { currentTime - $0 >= interval } ?? true
        report.fullPass = fullPass
        // Only an API without slugs needs them; at 10,000 workflows building the map was 5 ms of each cycle.
        if !engine.client.dialect.hasSlugs {
            let creating = intents.open.compactMap { key, intent -> (String, String)? in
                guard key.hasPrefix(PushIntent.creationKey("")), let name = intent.creationName else { return nil }
                return (name, String(key.dropFirst(PushIntent.creationKey("").count)))
            }
            engine.client.rememberSlugs(
                Dictionary(committedBase.workflows.values.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first }),
                creatingByName: Dictionary(creating, uniquingKeysWith: { first, _ in first }))
        }
        functionListAnswer = reads.functions
        do {
            var answer = reads.workflows
            if answer == nil { answer = try await engine.client.workflowListAnswer() }
            if let answer {
                listDigests.workflows = FileHash.sha256(answer)
                listDigests.answersRead += 1
                list = try await engine.client.listWorkflows(answer: answer)
            } else {
                list = try await engine.client.listWorkflows()
            }
        } catch {
            throw .kapso(error)
        }
        report.listed = list.workflows.count
        // After a crash mid-push, Kapso's version must be read to be recognised as this service's own write.
        var known = state.knownVersions
        for id in intents.open.keys { known.removeValue(forKey: id) }
        let filter = engine.configuration.filter
        // Gathered only when something below needs them: at 10,000 workflows a set of the ids costs a
        // millisecond or two, and an idle cycle needs none.
        let needsListedIDs = !state.pendingFetch.isEmpty || !state.unreadable.isEmpty || !filter.isAll || !list.invalid.isEmpty
        let listedIDs = needsListedIDs ? Set(list.workflows.map(\.id)) : []
        if !state.pendingFetch.isEmpty { state.pendingFetch.formIntersection(listedIDs) }
        if !state.unreadable.isEmpty { state.unreadable = state.unreadable.filter { listedIDs.contains($0.key) } }
        var plan = engine.fetchPlan(
            FetchPlanInputs(
                list: list, base: base, known: known, fullPass: fullPass,
                pending: state.pendingFetch, unreadable: state.unreadable))
        report.failures = plan.rejected
        // A rejected id that is also planned (a list naming one workflow twice) is not held out, as before.
        untouchable =
            plan.rejectedIDs.isEmpty
            ? [] : plan.rejectedIDs.subtracting(plan.fetch.map(\.id)).subtracting(plan.upToDate.map(\.id))
        // Left out by the filter: not read, and held out of the plan like a workflow that cannot be read.
        if !filter.isAll {
            let filtered = Set(list.workflows.filter { !filter.admits(slug: $0.slug, status: $0.status) }.map(\.id))
            let unlisted = base.workflows.values.filter { !listedIDs.contains($0.id) && !filter.admits(slug: $0.slug) }.map(\.id)
            plan.fetch.removeAll { filtered.contains($0.id) }
            plan.upToDate.removeAll { filtered.contains($0.id) }
            untouchable.formUnion(filtered)
            untouchable.formUnion(unlisted)
            report.filtered = filtered.count
        }
        fetchPlan = plan
        // An unreadable list entry may be any workflow of the base: none of them counts as gone from Kapso.
        if !list.invalid.isEmpty {
            untouchable.formUnion(base.workflows.values.map(\.id).filter { !listedIDs.contains($0) })
        }
        engine.logger.debug(
            "planned cycle",
            metadata: [
                "gitsync.cycle_id": "\(report.cycleID)", "gitsync.listed": "\(list.workflows.count)",
                "gitsync.fetch": "\(fetchPlan.fetch.count)", "gitsync.full_pass": "\(fullPass)",
            ])
    }

    /// `written`: the blob the last commit wrote, as the state records it.
    static func readRemoteMap(
        engine: SyncEngine, tree: ObjectID?, written: SyncState.WrittenRemoteMap?
    ) async throws(SyncError) -> RemoteMap {
        guard let tree else { return RemoteMap() }
        do {
            guard
                let blob = try await engine.git.blobID(
                    atPath: engine.configuration.root.inRepository(RepositoryLayout.remoteMap), inTree: tree)
            else { return RemoteMap() }
            if let cached = engine.cache.withLock({ $0.remoteMap }), cached.blob == blob { return cached.map }
            if let written = try engine.adoptWrittenRemoteMap(blob: blob) { return written }
            let bytes = try await engine.git.readBlob(blob)
            let map: RemoteMap
            // A blob id fixes the bytes: these are the ones this writer laid out.
            if let written, written.blob == blob.hex, written.layout == RemoteMap.layout {
                var laidOut = RemoteMap.WrittenEntries()
                map = try RemoteMap(bytes: bytes, laidOut: &laidOut)
                engine.cache.withLock { [laidOut] in $0.remoteMapEntries = laidOut }
            } else {
                map = try RemoteMap(bytes: bytes)
            }
            engine.cache.withLock { $0.remoteMap = (blob, map) }
            return map
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw .invalidRepositoryFile(error as! LayoutError)
        }
    }

    /// Function slugs are needed only when a definition is read or written, so the list is read lazily.
    mutating func referenceMaps() async throws(SyncError) -> ReferenceMaps {
        if let references { return references }
        guard client.dialect.hasSlugs else {
            references = .idsKept
            return .idsKept
        }
        do {
            let functionList = try await readFunctionList()
            functions.list = functionList
            let loaded = ReferenceMaps(functions: functionList.functions, workflows: list.workflows)
            references = loaded
            return loaded
        } catch {
            // Without the function list the files would carry ids instead of slugs: better to wait a cycle.
            throw .kapso(error)
        }
    }

    /// `GET /functions`, from the answer read before the cycle began when there is one.
    mutating func readFunctionList() async throws(KapsoAPIError) -> FunctionList {
        var answer = functionListAnswer
        functionListAnswer = nil
        if answer == nil { answer = try await client.functionListAnswer() }
        guard let answer else { return try await client.listFunctions() }
        listDigests.functions = FileHash.sha256(answer)
        listDigests.answersRead += 1
        return try await client.listFunctions(answer: answer)
    }

    // MARK: Committing

    /// How many of the workflows pulled this cycle were recorded through the legacy Flows API and are now
    /// read through the Platform API: the first cycle after `kapso.api` changed from legacy to platform.
    func switchedFromLegacy() -> Int {
        guard client.dialect.hasSlugs else { return 0 }
        return report.pulled.filter { pulled in
            base.entry(forID: pulled.id).map { LegacyVersion.isLegacy(lockVersion: $0.lockVersion, updatedAt: $0.updatedAt) } ?? false
        }.count
    }

    /// One commit on the branch for everything pulled and every push recorded, moved by compare-and-swap.
    mutating func commit() async throws(SyncError) {
        guard !dryRun, !outcome.changes.isEmpty || outcome.remoteMap != base else { return }
        do {
            var allChanges = outcome.changes
            var writtenEntries = engine.cache.withLock { $0.remoteMapEntries }
            let remoteMapBytes = outcome.remoteMap.canonicalBytes(reusing: &writtenEntries)
            engine.cache.withLock { [writtenEntries] in $0.remoteMapEntries = writtenEntries }
            let remoteMapBlob = try await git.writeBlob(remoteMapBytes)
            state.remoteMapWritten = .init(blob: remoteMapBlob.hex, layout: RemoteMap.layout)
            allChanges.append(.upsert(path: RepositoryLayout.remoteMap, blob: remoteMapBlob))
            // The project files the CLI writes are created once and then left to their owner.
            if try await blob(at: RepositoryLayout.kapsoYAML, in: baseTree) == nil {
                allChanges.append(.upsert(path: RepositoryLayout.kapsoYAML, blob: try await git.writeBlob(RepositoryLayout.kapsoYAMLBytes)))
            }
            if try await blob(at: RepositoryLayout.projectJSON, in: baseTree) == nil {
                let projectID = configuration.projectID ?? list.workflows.lazy.compactMap(\.projectID).first
                let bytes = ProjectFile.bytes(projectID: projectID, projectName: configuration.projectName)
                allChanges.append(.upsert(path: RepositoryLayout.projectJSON, blob: try await git.writeBlob(bytes)))
            }
            let tree = try await git.updateTree(base: baseTree, changes: allChanges.map(configuration.root.inRepository))
            let message = CommitMessage.cycle(
                pulled: report.pulled, pushed: report.pushed + report.created, merged: report.merged, archived: report.archived,
                removed: report.removed, functions: report.functions, switchedFromLegacy: switchedFromLegacy(), cycleID: report.cycleID)
            let commit = try await git.commit(
                tree: tree, parents: head.map { [$0] } ?? [], message: message, author: configuration.author)
            try await git.finishBulkWrite()
            try engine.crashSeam?(.afterCommitObjects)
            try await git.updateReference(
                configuration.branchReference, to: commit, expected: head, logMessage: "kapso-gitsync: sync")
            report.commit = commit
            // The next cycle starts from this commit: it parses the remote-map from these bytes, not from
            // git (and a one-shot command, which has no next cycle, does not parse it at all).
            engine.cache.withLock { $0.writtenRemoteMap = (remoteMapBlob, remoteMapBytes) }
            if let workflowsTree = try await git.treeID(
                atPath: configuration.root.inRepository(RepositoryLayout.workflowsFolder), inTree: tree)
            {
                let snapshot = outcome.localAfter
                engine.cache.withLock { $0.local = (workflowsTree, snapshot) }
                // Only a saving: a tree that cannot be read back now is walked by the next process.
                try? await recordCommittedTree(tree, workflowsTree: workflowsTree, changes: allChanges)
            }
            try engine.crashSeam?(.afterBranchMoved)
            engine.logger.info(
                "commit written",
                metadata: [
                    "gitsync.cycle_id": "\(report.cycleID)", "gitsync.commit": "\(commit.short)",
                    "gitsync.pulled": "\(report.pulled.count)", "gitsync.pushed": "\(report.pushed.count)",
                ])
        } catch let error as GitError where error.code == .refModified {
            throw .branchMoved(branch: configuration.branch)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw error as! SyncError
        }
    }

    /// The state is written last: it only saves requests, so losing it to a crash costs nothing.
    mutating func finish() throws(SyncError) {
        guard !dryRun else {
            if writesStatus { try saveStatus() }
            return
        }
        // With a git server the intents stay until the push has landed there (see `cycleWithServer`).
        if configuration.remote == nil { PushIntentLedger.clear(intents.resolved, in: configuration.stateDirectory) }
        report.landedIntents = intents.resolved
        // What a full pass could not read is in `pendingFetch`: it is read next cycle, not by another full pass.
        if report.fullPass { state.lastFullPass = now }
        // A known version that is the base's own says nothing the base does not (the fetch plan reads
        // `knownVersions` only where the list's lock_version differs from the base's): at 10,000
        // workflows, after a full pass, keeping them was 10,000 records read and written by every run.
        state.knownVersions = state.knownVersions.filter { id, known in
            guard let entry = outcome.remoteMap.entry(forID: id) else { return true }
            return entry.lockVersion != known.lockVersion
        }
        if stateInEarlierForm || state != savedState {
            do {
                let written = try state.save(to: configuration.stateDirectory)
                let digest = FileHash.sha256(written)
                engine.cache.withLock { $0.stateFileDigest = digest }
            } catch {
                throw .state("cannot write \(configuration.stateDirectory)/\(SyncState.fileName): \(error.localizedDescription)")
            }
        }
        let finalState = state
        engine.cache.withLock { $0.state = finalState }
        try saveStatus()
    }

    private func saveStatus() throws(SyncError) {
        let workflows = outcome.remoteMap.workflows
        var bySlug: [String: String] = [:]
        bySlug.reserveCapacity(workflows.count)
        for (slug, entry) in workflows where !entry.files.isEmpty { bySlug[slug] = entry.id }
        do {
            // A success is a cycle that synced every workflow it meant to: not a dry run (a suspended
            // service), and not one that failed to read or write a workflow. Conflicts and invalid files
            // are settled states that wait for a person, and do not hold it back.
            let synced = !dryRun && report.failures.isEmpty
            let lastSuccess = synced ? now : engine.lastStatus?.lastSuccessAt
            try engine.saveStatus(StatusFile.after(report, base: bySlug, now: now, lastSuccessAt: lastSuccess))
        } catch {
            throw .state("cannot write \(configuration.stateDirectory)/\(StatusFile.fileName): \(error.localizedDescription)")
        }
    }

    func finalReport() async -> CycleReport {
        var final = report
        final.requests = client.requestsSent - requestsBefore
        final.objectsWritten = await git.objectsWritten - objectsBefore
        return final
    }

    /// The blob at a project path (`workflows/…`) in a tree of the repository.
    func blob(at path: String, in tree: ObjectID?) async throws(GitError) -> ObjectID? {
        guard let tree else { return nil }
        return try await git.blobID(atPath: configuration.root.inRepository(path), inTree: tree)
    }
}
