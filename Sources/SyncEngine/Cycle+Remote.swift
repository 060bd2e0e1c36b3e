import GitStore
import KapsoModels
import WorkflowRepo

/// A workflow as Kapso holds it now, with its canonical files already stored as blobs.
struct RemoteVersion: Sendable {
    let workflow: WorkflowSummary
    /// Path (in the folder named after the remote slug) → sha256 of the canonical bytes.
    let hashes: [String: String]
    let blobs: [String: ObjectID]

    /// The base entry that records this version, keeping what the CLI stored beside it in `previous`.
    func baseEntry(id: String, keeping previous: RemoteMap.Entry?) -> RemoteMap.Entry {
        RemoteMap.Entry(
            id: id, slug: workflow.slug, lockVersion: workflow.lockVersion, status: workflow.status, updatedAt: workflow.updatedAt,
            files: hashes, extra: previous?.extra ?? [:])
    }
}

extension Cycle {
    /// Reads the definition and triggers of every workflow the fetch plan names, a bounded number in
    /// flight; a new fetch starts only as a result is taken, so a slow repository holds back the network
    /// instead of piling answers up in memory.
    mutating func fetchRemote() async throws(SyncError) {
        try await fetch(fetchPlan.fetch)
    }

    /// Reads `toFetch`. One that could not be read is left alone this cycle and read again on the
    /// next; one never reached (a stop) too: an unread workflow is never taken as unchanged.
    mutating func fetch(_ toFetch: [WorkflowSummary]) async throws(SyncError) {
        guard !toFetch.isEmpty else { return }
        defer {
            for summary in toFetch where remote[summary.id] == nil {
                untouchable.insert(summary.id)
                // An answer found unreadable just now waits for its next version; anything else is read next cycle.
                if state.unreadable[summary.id]?.lockVersion != summary.lockVersion { state.pendingFetch.insert(summary.id) }
            }
        }
        let references = try await referenceMaps()
        let client = self.client
        let progress = engine.progress
        let window = max(1, client.maxConcurrentRequests) * 2
        var done = 0
        var fatal: GitError?
        // Answers are stored a few at a time: each trip onto the store's queue and back wakes two
        // threads, and one trip per workflow was a quarter of a first import's context switches.
        let batchSize = max(1, window / 2)
        var batch: [Fetched] = []
        let blobWritingBefore = await git.blobWritingNanoseconds
        await withTaskGroup(of: FetchOutcome.self) { group in
            var pending = toFetch.makeIterator()
            for _ in 0..<window {
                guard let summary = pending.next() else { break }
                group.addTask { await Self.fetch(summary, client: client, references: references) }
            }
            while let outcome = await group.next() {
                if !shouldStop(), let summary = pending.next() {
                    group.addTask { await Self.fetch(summary, client: client, references: references) }
                }
                done += 1
                progress(done, toFetch.count)
                switch outcome {
                case .failure(let summary, let reason):
                    report.failures.append(.init(workflow: "\(summary.slug) (\(summary.id))", reason: reason))
                case .unreadable(let summary, let reason):
                    report.fetched += 1
                    untouchable.insert(summary.id)
                    state.unreadable[summary.id] = .init(lockVersion: summary.lockVersion, reason: reason)
                    report.failures.append(.init(workflow: "\(summary.slug) (\(summary.id))", reason: reason))
                case .success(let fetched):
                    report.fetched += 1
                    fetchWork.canonicaliseNanoseconds += fetched.exportNanoseconds
                    batch.append(fetched)
                }
                guard batch.count >= batchSize else { continue }
                do throws(GitError) {
                    try await record(batch)
                    batch.removeAll(keepingCapacity: true)
                } catch {
                    fatal = error
                    group.cancelAll()
                    return
                }
            }
            do throws(GitError) { try await record(batch) } catch { fatal = error }
        }
        fetchWork.blobWritingNanoseconds += await git.blobWritingNanoseconds - blobWritingBefore
        if let fatal { throw .git(fatal) }
    }

    /// A workflow's files as blobs, path → id, in one hop onto the store's queue; `writing` false gives
    /// the ids they would have, writing nothing (a dry run).
    func blobs(of files: WorkflowFiles, writing: Bool = true) async throws(GitError) -> [String: ObjectID] {
        try await blobs(ofEach: [files], writing: writing)[0]
    }

    /// The blobs of several workflows' files, each workflow's as `blobs(of:)` gives them, in one hop.
    func blobs(ofEach workflows: [WorkflowFiles], writing: Bool = true) async throws(GitError) -> [[String: ObjectID]] {
        let files = workflows.map(\.byPath)
        let contents = files.flatMap { $0.map(\.bytes) }
        let ids = writing ? try await git.writeBlobs(contents) : try await git.blobIDs(of: contents)
        var next = ids.startIndex
        return files.map { byPath in
            defer { next += byPath.count }
            return Dictionary(uniqueKeysWithValues: zip(byPath.map(\.path), ids[next...]))
        }
    }

    /// Stores the answers' files as blobs, in one hop onto the store's queue, and remembers that each
    /// lock_version holds the base's content when it does.
    private mutating func record(_ batch: [Fetched]) async throws(GitError) {
        guard !batch.isEmpty else { return }
        let blobs = try await blobs(ofEach: batch.map(\.exported.files), writing: !dryRun)
        for (fetched, blobs) in zip(batch, blobs) { record(fetched, blobs: blobs) }
    }

    private mutating func record(_ fetched: Fetched, blobs: [String: ObjectID]) {
        let workflow = fetched.workflow
        report.warnings.append(contentsOf: fetched.exported.warnings.map { "\(workflow.slug): \($0)" })
        remote[workflow.id] = RemoteVersion(workflow: workflow, hashes: fetched.hashes, blobs: blobs)
        state.pendingFetch.remove(workflow.id)
        state.unreadable.removeValue(forKey: workflow.id)
        if let entry = base.entry(forID: workflow.id), entry.slug == workflow.slug, entry.files == fetched.hashes {
            report.unchanged += 1
            state.knownVersions[workflow.id] = .init(lockVersion: workflow.lockVersion, files: fetched.hashes)
        }
    }

    /// One workflow read from Kapso and turned into its files in the fetching task, so the CPU work
    /// runs beside the network and the serial git writes.
    struct Fetched: Sendable {
        let workflow: WorkflowSummary
        let exported: WorkflowExporter.Result
        let hashes: [String: String]
        /// CPU time of turning the answers into files and hashing them.
        let exportNanoseconds: Int
    }

    /// CPU time spent fetching, by kind: `canonicalise` in the fetching tasks, `blobWriting` on the store's queue.
    struct FetchWork {
        var canonicaliseNanoseconds = 0
        var blobWritingNanoseconds = 0
    }

    enum FetchOutcome: Sendable {
        case success(Fetched)
        /// Kapso answered, and the answer cannot be turned into files: the same version is not read again.
        case unreadable(WorkflowSummary, String)
        /// Kapso or the network failed: read it again next cycle.
        case failure(WorkflowSummary, String)
    }

    static func fetch(_ summary: WorkflowSummary, client: any KapsoBackend, references: ReferenceMaps) async -> FetchOutcome {
        let definition: WorkflowWithDefinition
        let triggers: [WorkflowTrigger]
        do {
            async let definitionAnswer = client.workflowDefinition(id: summary.id)
            async let triggersAnswer = client.triggers(workflowID: summary.id)
            definition = try await definitionAnswer
            triggers = try await triggersAnswer
        } catch let error as KapsoAPIError {
            if case .malformedResponse = error { return .unreadable(summary, error.description) }
            return .failure(summary, error.description)
        } catch {
            return .failure(summary, "\(error)")
        }
        do {
            let start = ThreadCPUTime.nanoseconds()
            let exported = try WorkflowExporter.export(definition, triggers: triggers, references: references)
            let hashes = exported.files.hashes
            return .success(
                Fetched(
                    workflow: definition.workflow, exported: exported, hashes: hashes,
                    exportNanoseconds: ThreadCPUTime.nanoseconds() - start))
        } catch {
            return .unreadable(summary, "\"\(definition.workflow.name)\": \(error.description)")
        }
    }
}
