import CanonicalJSON
import Foundation
import GitStore
import KapsoAPI
import Logging
import Synchronization
import WorkflowRepo

/// Runs sync cycles between one Kapso project and one branch of a git repository.
public final class SyncEngine: Sendable {
    public let client: KapsoClient
    public let git: GitStore
    public let configuration: SyncConfiguration
    private let logger: Logger
    private let progress: @Sendable (_ done: Int, _ total: Int) -> Void
    /// What the last cycle left behind, so an idle cycle neither re-reads nor re-parses it:
    /// the state as last saved, and the remote-map parsed for the blob it was read from.
    private let cache = Mutex<(state: SyncState?, remoteMap: (blob: ObjectID, map: RemoteMap)?)>((nil, nil))

    public init(
        client: KapsoClient, git: GitStore, configuration: SyncConfiguration, logger: Logger = Logger(label: "kapso-gitsync"),
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) {
        self.client = client
        self.git = git
        self.configuration = configuration
        self.logger = logger
        self.progress = progress
    }

    /// One pull cycle: list, fetch what moved, write canonical files, one commit, move the branch by
    /// compare-and-swap. With `dryRun` nothing is written to git or to the state directory.
    public func runCycle(dryRun: Bool = false) async throws(SyncError) -> CycleReport {
        var report = CycleReport(cycleID: Self.newCycleID())
        report.dryRun = dryRun
        let requestsBefore = client.requestsSent
        let objectsBefore = await git.objectsWritten

        let head: ObjectID?
        let baseTree: ObjectID?
        do {
            head = try await git.resolve(reference: configuration.branchReference)
            if let head { baseTree = try await git.tree(ofCommit: head) } else { baseTree = nil }
        } catch {
            throw .git(error)
        }
        let base = try await readRemoteMap(tree: baseTree)
        let savedState = cache.withLock { $0.state } ?? SyncState.load(from: configuration.stateDirectory)
        var state = savedState
        let now = Date().timeIntervalSince1970
        let fullPass = state.lastFullPass.map { now - $0 >= Double(configuration.fullResyncIntervalSeconds) } ?? true
        report.fullPass = fullPass

        let list: WorkflowList
        do {
            list = try await client.listWorkflows()
        } catch {
            throw .kapso(error)
        }
        report.listed = list.workflows.count
        let plan = PullPlanner.plan(list: list, base: base, known: state.knownVersions, fullPass: fullPass)
        report.failures = plan.rejected
        report.missingInKapso = plan.missingInKapso.map(\.slug)
        logger.debug(
            "planned pull",
            metadata: [
                "gitsync.cycle_id": "\(report.cycleID)", "gitsync.listed": "\(list.workflows.count)",
                "gitsync.fetch": "\(plan.fetch.count)", "gitsync.full_pass": "\(fullPass)",
            ])

        var remoteMap = base
        var changes: [TreeChange] = []
        // A first import writes thousands of objects: in memory, then one packfile.
        let bulk = !dryRun && baseTree == nil && plan.fetch.count >= Self.bulkImportThreshold
        if bulk {
            do { try await git.beginBulkWrite() } catch { throw .git(error) }
        }
        do {
            try await fetchAndApply(
                plan: plan, list: list, baseTree: baseTree, dryRun: dryRun, remoteMap: &remoteMap, changes: &changes,
                state: &state, report: &report)
            if !changes.isEmpty && !dryRun {
                let projectID = configuration.projectID ?? list.workflows.lazy.compactMap(\.projectID).first
                report.commit = try await commit(
                    changes: changes, remoteMap: remoteMap, head: head, baseTree: baseTree, projectID: projectID, report: report)
            }
        } catch {
            if bulk { await git.discardBulkWrite() }
            throw error
        }
        if bulk { await git.discardBulkWrite() }
        if !dryRun {
            if fullPass && report.failures.isEmpty { state.lastFullPass = now }
            // The state is written last: it only saves requests, so losing it to a crash costs nothing.
            if state != savedState {
                do {
                    try state.save(to: configuration.stateDirectory)
                } catch {
                    throw .state("cannot write \(configuration.stateDirectory)/\(SyncState.fileName): \(error.localizedDescription)")
                }
            }
            cache.withLock { $0.state = state }
        }
        report.requests = client.requestsSent - requestsBefore
        report.objectsWritten = await git.objectsWritten - objectsBefore
        return report
    }

    // MARK: Steps

    static let bulkImportThreshold = 100

    /// Fetches what the plan names, with a bounded number of workflows in flight, and turns each
    /// answer into tree changes and base entries as it arrives.
    private func fetchAndApply(
        plan: PullPlanner.Plan, list: WorkflowList, baseTree: ObjectID?, dryRun: Bool, remoteMap: inout RemoteMap,
        changes: inout [TreeChange], state: inout SyncState, report: inout CycleReport
    ) async throws(SyncError) {
        guard !plan.fetch.isEmpty else { return }
        let references = try await referenceMaps(list: list)
        let fetchCount = plan.fetch.count
        let listedIDs = Set(list.workflows.map(\.id))
        var done = 0
        // A new fetch starts only as a result is taken to be applied, so a slow repository holds back
        // the network instead of piling answers up in memory.
        let window = max(1, client.configuration.concurrency) * 2
        var fatal: SyncError?
        await withTaskGroup(of: FetchOutcome.self) { group in
            var pending = plan.fetch.makeIterator()
            for _ in 0..<window {
                guard let summary = pending.next() else { break }
                group.addTask { [client] in await Self.fetch(summary, client: client, references: references) }
            }
            while let outcome = await group.next() {
                if let summary = pending.next() {
                    group.addTask { [client] in await Self.fetch(summary, client: client, references: references) }
                }
                done += 1
                progress(done, fetchCount)
                switch outcome {
                case .failure(let summary, let reason):
                    report.failures.append(.init(workflow: "\(summary.slug) (\(summary.id))", reason: reason))
                case .invalid(let workflow, let error):
                    report.fetched += 1
                    report.failures.append(.init(workflow: "\"\(workflow.name)\" (\(workflow.id))", reason: error.description))
                case .success(let fetched):
                    report.fetched += 1
                    let workflow = fetched.workflow
                    // The slug may have changed between the list and this answer: never take another's folder.
                    if let owner = remoteMap.workflows[workflow.slug], owner.id != workflow.id, listedIDs.contains(owner.id) {
                        report.failures.append(
                            .init(
                                workflow: "\(workflow.slug) (\(workflow.id))",
                                reason: "folder workflows/\(workflow.slug) belongs to workflow \(owner.id)"))
                        continue
                    }
                    do throws(GitError) {
                        try await apply(
                            fetched, baseTree: baseTree, dryRun: dryRun, remoteMap: &remoteMap, changes: &changes, state: &state,
                            report: &report)
                    } catch {
                        fatal = .git(error)
                        group.cancelAll()
                        return
                    }
                }
            }
        }
        if let fatal { throw fatal }
    }

    private func readRemoteMap(tree: ObjectID?) async throws(SyncError) -> RemoteMap {
        guard let tree else { return RemoteMap() }
        do {
            guard let blob = try await git.blobID(atPath: RepositoryLayout.remoteMap, inTree: tree) else { return RemoteMap() }
            if let cached = cache.withLock({ $0.remoteMap }), cached.blob == blob { return cached.map }
            let map = try RemoteMap(bytes: try await git.readBlob(blob))
            cache.withLock { $0.remoteMap = (blob, map) }
            return map
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw .invalidRepositoryFile(error as! LayoutError)
        }
    }

    /// Function slugs are needed only when a definition is fetched, so the list is read lazily.
    private func referenceMaps(list: WorkflowList) async throws(SyncError) -> ReferenceMaps {
        do {
            let functions = try await client.listFunctions()
            return ReferenceMaps(functions: functions, workflows: list.workflows)
        } catch {
            // Without the function list the files would carry ids instead of slugs: better to wait a cycle.
            throw .kapso(error)
        }
    }

    /// One workflow read from Kapso and already turned into its files (in the fetching task, so the
    /// CPU work runs beside the network and the serial git writes).
    private struct Fetched: Sendable {
        let workflow: WorkflowSummary
        let exported: WorkflowExporter.Result
        let hashes: [String: String]
    }

    private enum FetchOutcome: Sendable {
        case success(Fetched)
        case invalid(WorkflowSummary, LayoutError)
        case failure(WorkflowSummary, String)
    }

    private static func fetch(_ summary: WorkflowSummary, client: KapsoClient, references: ReferenceMaps) async -> FetchOutcome {
        let definition: WorkflowWithDefinition
        let triggers: [WorkflowTrigger]
        do {
            async let definitionAnswer = client.workflowDefinition(id: summary.id)
            async let triggersAnswer = client.triggers(workflowID: summary.id)
            definition = try await definitionAnswer
            triggers = try await triggersAnswer
        } catch let error as KapsoAPIError {
            return .failure(summary, error.description)
        } catch {
            return .failure(summary, "\(error)")
        }
        do {
            let exported = try WorkflowExporter.export(definition, triggers: triggers, references: references)
            let hashes = Dictionary(uniqueKeysWithValues: exported.files.byPath.map { ($0.path, FileHash.sha256($0.bytes)) })
            return .success(Fetched(workflow: definition.workflow, exported: exported, hashes: hashes))
        } catch {
            return .invalid(definition.workflow, error)
        }
    }

    private func apply(
        _ fetched: Fetched, baseTree: ObjectID?, dryRun: Bool, remoteMap: inout RemoteMap, changes: inout [TreeChange],
        state: inout SyncState, report: inout CycleReport
    ) async throws(GitError) {
        let workflow = fetched.workflow
        report.warnings.append(contentsOf: fetched.exported.warnings.map { "\(workflow.slug): \($0)" })
        let previous = remoteMap.entry(forID: workflow.id)
        let fileHashes = fetched.hashes
        var contentChanged = false
        var pending: [TreeChange] = []
        for (path, bytes) in fetched.exported.files.byPath {
            let existing = try await blob(at: path, in: baseTree)
            let blob = dryRun ? try await git.blobID(of: bytes) : try await git.writeBlob(bytes)
            if existing != blob {
                contentChanged = true
                pending.append(.upsert(path: path, blob: blob))
            }
        }
        let entryCurrent = previous?.slug == workflow.slug && previous?.files == fileHashes
        if !contentChanged && entryCurrent {
            // Same content at a newer lock_version (the editor re-saved): nothing to write, remember it.
            report.unchanged += 1
            state.knownVersions[workflow.id] = .init(lockVersion: workflow.lockVersion, files: fileHashes)
            return
        }
        if let previous, previous.slug != workflow.slug {
            // The slug changed in Kapso: the folder follows it, as the CLI would write it.
            remoteMap.remove(slug: previous.slug)
            for path in previous.files.keys where !fileHashes.keys.contains(path) {
                pending.append(.remove(path: path))
            }
        }
        changes.append(contentsOf: pending)
        remoteMap.set(
            RemoteMap.Entry(
                id: workflow.id, slug: workflow.slug, lockVersion: workflow.lockVersion, status: workflow.status,
                updatedAt: workflow.updatedAt, files: fileHashes, extra: previous?.extra ?? [:]))
        state.knownVersions[workflow.id] = .init(lockVersion: workflow.lockVersion, files: fileHashes)
        report.pulled.append(
            .init(slug: workflow.slug, name: workflow.name, id: workflow.id, lockVersion: workflow.lockVersion, isNew: previous == nil))
    }

    private func commit(
        changes: [TreeChange], remoteMap: RemoteMap, head: ObjectID?, baseTree: ObjectID?, projectID: String?,
        report: CycleReport
    ) async throws(SyncError) -> ObjectID {
        do {
            var allChanges = changes
            allChanges.append(.upsert(path: RepositoryLayout.remoteMap, blob: try await git.writeBlob(remoteMap.canonicalBytes())))
            // The project files the CLI writes are created once and then left to their owner.
            if try await blob(at: RepositoryLayout.kapsoYAML, in: baseTree) == nil {
                allChanges.append(.upsert(path: RepositoryLayout.kapsoYAML, blob: try await git.writeBlob(RepositoryLayout.kapsoYAMLBytes)))
            }
            if try await blob(at: RepositoryLayout.projectJSON, in: baseTree) == nil {
                let bytes = ProjectFile.bytes(projectID: projectID, projectName: configuration.projectName)
                allChanges.append(.upsert(path: RepositoryLayout.projectJSON, blob: try await git.writeBlob(bytes)))
            }
            let tree = try await git.updateTree(base: baseTree, changes: allChanges)
            let message = CommitMessage.pull(report.pulled, cycleID: report.cycleID)
            let commit = try await git.commit(
                tree: tree, parents: head.map { [$0] } ?? [], message: message, author: configuration.author)
            try await git.finishBulkWrite()
            try await git.updateReference(
                configuration.branchReference, to: commit, expected: head, logMessage: "kapso-gitsync: pull")
            logger.info(
                "commit written",
                metadata: [
                    "gitsync.cycle_id": "\(report.cycleID)", "gitsync.commit": "\(commit.short)",
                    "gitsync.workflows": "\(report.pulled.count)",
                ])
            return commit
        } catch let error where error.code == .refModified {
            throw .branchMoved(branch: configuration.branch)
        } catch {
            throw .git(error)
        }
    }

    private func blob(at path: String, in tree: ObjectID?) async throws(GitError) -> ObjectID? {
        guard let tree else { return nil }
        return try await git.blobID(atPath: path, inTree: tree)
    }

    static func newCycleID() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }
}
