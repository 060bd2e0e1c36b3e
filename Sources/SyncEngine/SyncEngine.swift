import CanonicalJSON
import Foundation
import GitStore
import KapsoModels
import Logging
import Synchronization
import WorkflowRepo

/// Runs sync cycles between one Kapso project and one branch of a git repository, both ways.
public final class SyncEngine: Sendable {
    public let client: any KapsoBackend
    public let git: GitStore
    public let configuration: SyncConfiguration
    let logger: Logger
    let progress: @Sendable (_ done: Int, _ total: Int) -> Void
    /// What the last cycle left behind, so an idle cycle neither re-reads nor re-parses it.
    let cache = Mutex<EngineCache>(EngineCache())
    let crashSeam: (@Sendable (CrashPoint) throws(SyncError) -> Void)?

    /// Points between two durable steps of a cycle. Tests make the cycle stop at each one, as a crash
    /// would, and check that the next cycle (of a new engine) finishes the job.
    public enum CrashPoint: String, Sendable, CaseIterable {
        case afterIntent, afterCreate, afterPatch, afterKapsoWrite, beforeCommit, afterCommitObjects, afterBranchMoved
    }

    public init(
        client: any KapsoBackend, git: GitStore, configuration: SyncConfiguration, logger: Logger = Logger(label: "kapso-gitsync"),
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in },
        crashSeam: (@Sendable (CrashPoint) throws(SyncError) -> Void)? = nil
    ) {
        self.crashSeam = crashSeam
        self.client = client
        self.git = git
        self.configuration = configuration
        self.logger = logger
        self.progress = progress
    }

    /// One cycle: list, fetch what moved, compare base, git and Kapso per workflow, pull, push with
    /// `lock_version`, put conflicts on their own branches, one commit, move the branch by
    /// compare-and-swap. With `dryRun` nothing is written to git, to Kapso or to the state directory
    /// (but for the status, when `statusOfDryRun` asks for it: a suspended service still reports).
    ///
    /// `stop` ends the cycle with ``SyncError/stopped``, everything left as it was, when it is requested
    /// before the first write (reads in flight are cancelled through it); once writing has begun the
    /// cycle runs to its end.
    public func runCycle(
        dryRun: Bool = false, statusOfDryRun: Bool = false, stop: CycleStop? = nil
    ) async throws(SyncError) -> CycleReport {
        do {
            guard let remote = configuration.remote else {
                return try await cycle(dryRun: dryRun, statusOfDryRun: statusOfDryRun, stop: stop)
            }
            return try await cycleWithServer(remote, dryRun: dryRun, statusOfDryRun: statusOfDryRun, stop: stop)
        } catch {
            if !dryRun || statusOfDryRun, error.isFailure { recordFailure(error) }
            throw error
        }
    }

    /// Keeps the last status's workflows and marks the cycle failed, so `status` tells the truth.
    private func recordFailure(_ error: SyncError) {
        let now = Date().timeIntervalSince1970
        var status = lastStatus ?? StatusFile(updatedAt: now, result: "error", workflows: [])
        status.updatedAt = now
        status.result = "error"
        status.lastError = error.description
        try? saveStatus(status)
    }

    /// The status as this engine last wrote it, or as the state directory holds it: the service reads
    /// it after every cycle, and at 10,000 workflows decoding the file took 30 ms.
    public var lastStatus: StatusFile? {
        if let status = cache.withLock({ $0.status }) { return status }
        return StatusFile.load(from: configuration.stateDirectory)
    }

    func saveStatus(_ status: StatusFile) throws {
        var laidOut = cache.withLock { $0.statusWorkflows }
        let bytes = try status.save(to: configuration.stateDirectory, reusing: &laidOut)
        let workflowsWritten = StatusFile.workflowsOffset(in: bytes).map { FileHash.sha256(bytes[$0...]) }
        cache.withLock { [laidOut] in
            $0.status = status
            $0.statusWorkflows = laidOut
            $0.statusWorkflowsWritten = workflowsWritten
        }
    }

    /// Fetch, cycle, push; when someone pushed in between, again on top of what they pushed.
    private func cycleWithServer(
        _ remote: RemoteSync, dryRun: Bool, statusOfDryRun: Bool, stop: CycleStop?
    ) async throws(SyncError) -> CycleReport {
        var round = 1
        while true {
            let attention = try await remote.fetchAndAlign(git: git, branch: configuration.branch, author: configuration.author)
            try await remote.importIntents(git: git, stateDirectory: configuration.stateDirectory)
            let report = try await cycle(dryRun: dryRun, statusOfDryRun: statusOfDryRun, stop: stop, attention: attention)
            guard !dryRun else { return report }
            do {
                try await remote.push(git: git, branch: configuration.branch)
            } catch .remote(let error) where error.kind == .nonFastForward && round < remote.pushRounds {
                logger.notice(
                    "the server's branch moved during the cycle; computing again on top of it", metadata: ["gitsync.round": "\(round)"])
                round += 1
                continue
            }
            // Only now is the write recorded where every instance can see it.
            PushIntentLedger.clear(report.landedIntents, in: configuration.stateDirectory)
            try await remote.publishIntents(
                git: git, stateDirectory: configuration.stateDirectory, author: configuration.author, cleanUp: true)
            return report
        }
    }

    /// `attention`: what the git server side found that needs a person, reported with the cycle.
    private func cycle(
        dryRun: Bool, statusOfDryRun: Bool, stop: CycleStop?, attention: [String] = []
    ) async throws(SyncError) -> CycleReport {
        var cycle: Cycle
        var clock = PhaseClock()
        var reads = CycleReads()
        if !dryRun { await removeAbandonedFiles() }
        // A cycle that would report what the server side found is never a repeat of an idle one.
        let idleInputs = dryRun || !attention.isEmpty ? nil : await idleInputs(reads: &reads)
        if !dryRun && idleInputs == nil { IdleRecord.remove(from: configuration.stateDirectory) }
        do {
            if let idleInputs, let repeated = try await repeatIdleCycle(inputs: idleInputs, answers: &reads, stop: stop) { return repeated }
            cycle = try await Cycle(engine: self, dryRun: dryRun, shouldStop: { stop?.isRequested ?? false }, reads: reads)
            // Decoded: at 10,000 workflows the list answer and the state file are 8 MB held for nothing.
            reads = CycleReads()
            clock.mark("list and plan")
        } catch {
            // A read cancelled by the stop fails with a transport error: it is the stop, not a failure.
            throw stop?.isRequested == true ? .stopped : error
        }
        cycle.report.failures += attention.map { .init(workflow: "branch \(configuration.branch)", reason: $0) }
        cycle.writesStatus = !dryRun || statusOfDryRun
        // Every object a cycle writes goes into one pack (per 64 MB window): a file or two per commit
        // instead of one per object. Where files were deleted in the last minute, ext4 without a journal
        // skips each freed inode one by one to create a file (`recently_deleted`): a commit of 100 changed
        // workflows of 10,000, 200 loose files, then took 0.3 to 0.5 s more of system time.
        let bulk = !dryRun
        if bulk {
            do { try await git.beginBulkWrite() } catch { throw .git(error) }
        }
        do throws(SyncError) {
            do {
                try await cycle.fetchRemote()
            } catch {
                throw stop?.isRequested == true ? .stopped : error
            }
            clock.mark("fetch")
            if cycle.report.fetched > 0 {
                clock.part("canonicalise", cpuNanoseconds: cycle.fetchWork.canonicaliseNanoseconds)
                clock.part("write blobs", cpuNanoseconds: cycle.fetchWork.blobWritingNanoseconds)
            }
            if let stop, !stop.beginWrites() { throw .stopped }
            try await cycle.readLocal()
            clock.mark("local")
            try await cycle.syncFunctions()
            clock.mark("functions")
            try await cycle.reconcile()
            clock.mark("reconcile")
            try crashSeam?(.beforeCommit)
            try await cycle.commit()
            clock.mark("commit")
        } catch {
            if bulk { await git.discardBulkWrite() }
            throw error
        }
        // The commit wrote its pack; what else the cycle wrote (Kapso's version of a workflow in conflict,
        // without a commit on the branch) is written now, for the conflict branches to refer to.
        if bulk {
            do { try await git.finishBulkWrite() } catch { throw .git(error) }
        }
        try await cycle.writeConflictBranches()
        try await cycle.writeFunctionConflictBranches()
        if !dryRun, cycle.report.commit != nil || !cycle.report.conflicts.isEmpty {
            let packing = await packWhenDue()
            cycle.report.packing = packing.outcome
            cycle.report.failures += packing.failures
            clock.mark("pack")
        }
        try cycle.finish()
        clock.mark("state")
        cycle.report.phases = clock.timings
        logger.debug(
            "cycle phases, wall/CPU",
            metadata: [
                "gitsync.cycle_id": "\(cycle.report.cycleID)", "gitsync.phases": "\(clock.timings.map(\.summary).joined(separator: ", "))",
            ])
        let report = await cycle.finalReport()
        if let idleInputs { recordIdleCycle(cycle, inputs: idleInputs, report: report) }
        return report
    }

    /// Reads the remote-map the last commit wrote, so that the next cycle finds it parsed (and the
    /// local snapshot sharing its hashes). A service calls it after each cycle; a one-shot command,
    /// which has no next cycle, does not. A map that does not read is left for the next cycle to report.
    public func prepareNextCycle() {
        guard let blob = cache.withLock({ $0.writtenRemoteMap?.blob }) else { return }
        _ = try? adoptWrittenRemoteMap(blob: blob)
    }

    /// The remote-map the last commit wrote as `blob`, parsed from the bytes it wrote and cached; nil
    /// when that commit wrote another blob (or none).
    func adoptWrittenRemoteMap(blob: ObjectID) throws(LayoutError) -> RemoteMap? {
        guard let bytes = cache.withLock({ cache in cache.writtenRemoteMap.flatMap { $0.blob == blob ? $0.bytes : nil } }) else {
            return nil
        }
        // Bytes this process laid out: the next commit takes each unchanged entry's bytes from them, and
        // finds it unchanged at once, as the entries it compares share storage with the map's.
        var laidOut = RemoteMap.WrittenEntries()
        let map = try RemoteMap(bytes: bytes, laidOut: &laidOut)
        cache.withLock { [laidOut] cache in
            cache.remoteMap = (blob, map)
            cache.remoteMapEntries = laidOut
            cache.writtenRemoteMap = nil
            // The local snapshot the commit left shares the map's hashes, so that each cycle compares
            // them in constant time.
            cache.local?.snapshot.shareHashes(with: map)
        }
        return map
    }

    static func newCycleID() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }
}

/// The state as last saved, the remote-map parsed for the blob it was read from, and the local
/// snapshot made for the `workflows/` tree it was read from: all keyed by what determines them.
struct EngineCache: Sendable {
    var state: SyncState?
    var remoteMap: (blob: ObjectID, map: RemoteMap)?
    /// The remote-map the last commit wrote, not parsed yet.
    var writtenRemoteMap: (blob: ObjectID, bytes: [UInt8])?
    var local: (tree: ObjectID, snapshot: LocalSnapshot)?
    /// The sha256 of each function file's bytes, by blob: a blob id fixes the bytes.
    var functionFileHashes: [ObjectID: String] = [:]
    var status: StatusFile?
    /// The last `status.json`'s workflows as laid out.
    var statusWorkflows: StatusFile.LaidOutWorkflows?
    /// The digest of the last `status.json` from its `workflows` member's value to the end (`IdleRecord`).
    var statusWorkflowsWritten: String?
    /// The last reconcile plan and what it was made from.
    var lastPlan: (inputs: Cycle.PlanInputs, actions: [ReconcilePlanner.Action])?
    /// Kapso's side of the last reconcile plan made with nothing fetched, and the list and the
    /// workflows held out it was made from.
    var lastPlanRemote: (listed: [WorkflowSummary], untouchable: Set<String>, states: [String: ReconcilePlanner.Remote])?
    /// The last fetch plan and what it was made from.
    var lastFetchPlan: (inputs: FetchPlanInputs, plan: FetchPlanner.Plan)?
    /// The remote-map's workflow entries as last laid out, so that a commit lays out only those that changed.
    var remoteMapEntries = RemoteMap.WrittenEntries()
    /// The sha256 of the state file `state` was read from or written as; nil when not known.
    var stateFileDigest: String?
}
