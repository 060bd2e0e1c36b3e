import Foundation
import GitStore
import WorkflowRepo

#if canImport(Glibc)
    import Glibc
#endif

/// What was read before a cycle knew whether it had anything to do: the cycle decodes these bytes
/// rather than reading them again, so that what `IdleRecord` compares is exactly what the cycle used.
struct CycleReads: Sendable {
    /// Kapso's list answers as received.
    var workflows: [UInt8]?
    var functions: [UInt8]?
    /// The requests reading them took: the cycle's own.
    var requests = 0
    /// The state file, when it was read.
    var stateFile: StateFileRead?
}

/// The state file as read before a cycle: its bytes and their sha256, both nil when there is no file.
struct StateFileRead: Sendable {
    var bytes: Data?
    var digest: String?
}

/// The digests of the list answers a cycle read, as `IdleRecord` keeps them.
struct ListDigests: Sendable {
    var workflows: String?
    var functions: String?
    var answersRead = 0
}

/// The running program, as `IdleRecord.Inputs.code`: nil where it cannot be told (no shortcut then).
private let programIdentity: String? = {
    var info = stat()
    guard stat("/proc/self/exe", &info) == 0 else { return nil }
    return "\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
}()

extension SyncEngine {
    /// What a cycle reads before it asks Kapso anything, as `IdleRecord` compares it; nil when something
    /// of it cannot be read (the cycle then runs whole, and is not recorded).
    func idleInputs(reads: inout CycleReads) async -> IdleRecord.Inputs? {
        guard let code = programIdentity, let references = try? await git.referenceTargets(),
            let (stateFiles, stateFile) = Self.stateFilesDigest(configuration.stateDirectory)
        else { return nil }
        // A service decides from the state it last saved; a state file changed since by someone else is
        // not what it decides from, and no record can speak for it.
        let (cached, cachedDigest) = cache.withLock { ($0.state, $0.stateFileDigest) }
        if cached != nil && cachedDigest != stateFile.digest { return nil }
        reads.stateFile = stateFile
        var referenceText: [UInt8] = []
        for reference in references { referenceText += Array("\(reference.name)\t\(reference.target)\n".utf8) }
        let configurationText = configuration.idleRecordText + "\ndialect\t\(client.dialect.name)"
        return IdleRecord.Inputs(
            code: code, configuration: FileHash.sha256(Array(configurationText.utf8)), references: FileHash.sha256(referenceText),
            stateFiles: stateFiles)
    }

    /// Every file under the state directory, by path, with the digest of its bytes, but the status
    /// (which the cycle writes, and the record checks on its own), the record itself and the temporary
    /// files of writes. Each file is hashed once: the state file's digest is the one the cycle keeps.
    static func stateFilesDigest(_ directory: String) -> (digest: String, stateFile: StateFileRead)? {
        var framed: [UInt8] = []
        var stateFile = StateFileRead()
        func add(_ folder: String, prefix: String) -> Bool {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
            for name in names.sorted() {
                if prefix.isEmpty && (name == StatusFile.fileName || name == IdleRecord.fileName) { continue }
                if name.hasPrefix(".") && name.hasSuffix(".tmp") { continue }
                let path = (folder as NSString).appendingPathComponent(name)
                var info = stat()
                guard lstat(path, &info) == 0 else { return false }
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    framed += Array("folder \(prefix)\(name)\n".utf8)
                    guard add(path, prefix: prefix + name + "/") else { return false }
                } else {
                    guard (info.st_mode & S_IFMT) == S_IFREG, let bytes = FileManager.default.contents(atPath: path) else { return false }
                    let digest = FileHash.sha256(bytes)
                    framed += Array("file \(prefix)\(name) \(bytes.count) \(digest)\n".utf8)
                    if prefix.isEmpty && name == SyncState.fileName { stateFile = StateFileRead(bytes: bytes, digest: digest) }
                }
            }
            return true
        }
        // A state directory not made yet holds nothing: a cycle reads an empty state from it.
        guard FileManager.default.fileExists(atPath: directory) else { return (FileHash.sha256([]), stateFile) }
        return add(directory, prefix: "") ? (FileHash.sha256(framed), stateFile) : nil
    }

    /// The cycle as the record says it went, when everything it read is the same: the status written
    /// anew, nothing else. Nil when something differs; `answers` then holds what was read from Kapso.
    func repeatIdleCycle(inputs: IdleRecord.Inputs, answers: inout CycleReads, stop: CycleStop?) async throws(SyncError) -> CycleReport? {
        let directory = configuration.stateDirectory
        guard let record = IdleRecord.load(from: directory) else { return nil }
        var clock = PhaseClock()
        let requestsBefore = client.requestsSent
        let now = Date().timeIntervalSince1970
        // The requests count as the cycle's, whether or not they end it.
        defer { answers.requests = client.requestsSent - requestsBefore }
        var difference = try await readsAgain(record, inputs: inputs, now: now, answers: &answers)
        // The status the recorded cycle wrote, from its `workflows` member on, is this cycle's too.
        var status: [UInt8] = []
        var offset = 0
        if difference == nil {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(StatusFile.fileName)
            if let data = try? Data(contentsOf: url), case let read = [UInt8](data), let at = StatusFile.workflowsOffset(in: read),
                FileHash.sha256(read[at...]) == record.statusWorkflows
            {
                (status, offset) = (read, at)
            } else {
                difference = "the status file"
            }
        }
        if let difference {
            logger.debug("the cycle runs whole", metadata: ["gitsync.changed_since_idle_cycle": "\(difference)"])
            IdleRecord.remove(from: directory)
            return nil
        }
        // Writing the status is this cycle's only write: a stop that came first ends it as it ends any cycle.
        if let stop, !stop.beginWrites() { throw .stopped }
        var report = CycleReport(cycleID: Self.newCycleID())
        report.listed = record.listed
        report.filtered = record.filtered
        report.repeatsIdleCycle = record.cycleID
        let header = StatusFile(updatedAt: now, cycleID: report.cycleID, result: "success", lastSuccessAt: now, workflows: [])
        do {
            try AtomicFile.write(
                Data(header.bytesBeforeWorkflows() + status[offset...]),
                to: URL(fileURLWithPath: directory).appendingPathComponent(StatusFile.fileName))
        } catch {
            throw .state("cannot write \(directory)/\(StatusFile.fileName): \(error.localizedDescription)")
        }
        cache.withLock { cache in
            cache.status?.updatedAt = now
            cache.status?.cycleID = report.cycleID
            cache.status?.lastSuccessAt = now
            cache.status?.commit = nil
            cache.status?.result = "success"
            cache.status?.lastError = nil
        }
        report.requests = client.requestsSent - requestsBefore
        clock.mark("unchanged since the last idle cycle")
        report.phases = clock.timings
        logger.debug(
            "nothing changed since an idle cycle",
            metadata: ["gitsync.cycle_id": "\(report.cycleID)", "gitsync.same_as": "\(record.cycleID)"])
        return report
    }

    /// Reads what the recorded cycle read, in its order, and stops at the first difference, which it names.
    private func readsAgain(
        _ record: IdleRecord, inputs: IdleRecord.Inputs, now: Double, answers: inout CycleReads
    ) async throws(SyncError) -> String? {
        if let difference = record.difference(from: inputs, at: now) { return difference }
        do {
            guard let workflows = try await client.workflowListAnswer() else { return "no list answer" }
            answers.workflows = workflows
            guard FileHash.sha256(workflows) == record.workflowList else { return "the workflow list" }
            guard let expected = record.functionList else { return nil }
            guard let functions = try await client.functionListAnswer() else { return "no function list answer" }
            answers.functions = functions
            return FileHash.sha256(functions) == expected ? nil : "the function list"
        } catch {
            throw .kapso(error)
        }
    }

    /// Keeps the record of a cycle that found nothing to do, for the next cycle to compare with.
    func recordIdleCycle(_ cycle: Cycle, inputs: IdleRecord.Inputs, report: CycleReport) {
        let directory = configuration.stateDirectory
        guard let workflowList = cycle.listDigests.workflows, let lastFullPass = cycle.state.lastFullPass,
            let statusWorkflows = cache.withLock({ $0.statusWorkflowsWritten })
        else { return }
        let facts = IdleRecord.CycleFacts(
            dryRun: cycle.dryRun, report: report, requests: report.requests, listAnswers: cycle.listDigests.answersRead,
            objectsWritten: report.objectsWritten, stateChanged: cycle.stateInEarlierForm || cycle.state != cycle.savedState,
            openIntents: cycle.intents.open.count, resolvedIntents: cycle.intents.resolved.count, state: cycle.state,
            listInvalid: cycle.list.invalid.count, functionListInvalid: cycle.functions.list?.invalid.count ?? 0)
        if let refusal = IdleRecord.refusal(facts) {
            logger.trace("cycle not recorded as idle", metadata: ["gitsync.reason": "\(refusal)"])
            return
        }
        let record = IdleRecord(
            inputs: inputs, workflowList: workflowList, functionList: cycle.listDigests.functions, cycleID: report.cycleID,
            recordedAt: cycle.now, fullPassDue: lastFullPass + Double(configuration.fullResyncIntervalSeconds),
            listed: report.listed, filtered: report.filtered, statusWorkflows: statusWorkflows)
        // Without the record the next cycle runs whole: nothing is lost when it cannot be written.
        try? record.save(to: directory)
    }
}
