import CanonicalJSON
import Foundation
import GitStore
import KapsoModels
import WorkflowRepo

extension Cycle {
    /// Sends a workflow changed in git to Kapso: validate, PATCH with the lock_version of the remote
    /// content the change was based on, replace the triggers, then read Kapso's form back and make
    /// that the files and the base, so the next cycle sees nothing to do. A 409 is a conflict.
    /// `movedFrom`: the folder moved in git from that slug; the write renames the workflow.
    mutating func push(id: String, folder: String, movedFrom: String? = nil) async throws(SyncError) {
        guard let summary = list.workflows.first(where: { $0.id == id }), let blobs = local.blobs[folder] else { return }
        guard let kapso = remote[id] else {
            // Never written on an assumption: the planner asks for every workflow to push to be read first.
            report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "not pushed: Kapso's version could not be read"))
            return
        }
        if let refusal = authoredSourceRefusal(id: id) {
            report.invalid.append(.init(workflow: "workflows/\(folder)", reason: refusal))
            return
        }
        guard let (localWorkflow, write) = try await validatedWrite(folder: folder, blobs: blobs, movedFrom: movedFrom) else { return }
        guard !dryRun else {
            report.pushed.append(.init(slug: folder, name: summary.name, id: id, lockVersion: summary.lockVersion, isNew: false))
            return
        }
        // The lock_version of the content the change is based on: Kapso's current one, whose content
        // the planner found equal to the base (or to this service's own earlier write).
        guard let lockVersion = kapso.workflow.lockVersion else {
            report.failures.append(
                .init(
                    workflow: "\(folder) (\(id))",
                    reason: "not pushed: Kapso gave no lock_version, so a concurrent edit could not be detected"))
            return
        }
        guard let kapsoParts = try await digestParts(of: kapso) else {
            report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "not pushed: Kapso's version could not be read"))
            return
        }
        let parts = WriteDigest.parts(of: localWorkflow)
        let intent = PushIntent(
            workflowID: id, lockVersion: lockVersion, localHashes: localWorkflow.hashes, writeDigest: parts.full,
            bodyDigest: parts.body, triggersBeforeDigest: kapsoParts.triggers, baseFiles: base.entry(forID: id)?.files ?? [:],
            earlierWriteDigests: earlierWrites(of: id, kapso: kapsoParts.full))
        try await recordIntent(intent)
        try await completeWrite(id: id, folder: folder, write: write, intent: intent, asCreation: false)
    }

    /// The unconfirmed writes of ours that Kapso holds now (`kapso`: its version's full digest): the
    /// write about to replace their intent carries them on.
    func earlierWrites(of id: String, kapso: String) -> [String]? {
        guard let previous = intents[id] else { return nil }
        let earlier = (previous.earlierWriteDigests ?? []) + [previous.writeDigest]
        return earlier.contains(kapso) ? earlier : nil
    }

    /// Records the intent in the state directory and, with a git server, on the server, before the
    /// write it announces: a server that cannot be reached stops the cycle before Kapso is touched.
    mutating func recordIntent(_ intent: PushIntent) async throws(SyncError) {
        try await intents.record(intent)
        try await configuration.remote?.publishIntents(git: git, stateDirectory: configuration.stateDirectory, author: configuration.author)
        try engine.crashSeam?(.afterIntent)
    }

    /// Reads a folder, validates it and builds what Kapso's write API takes; nil (reported as invalid)
    /// when any of that fails, so nothing is sent.
    mutating func validatedWrite(
        folder: String, blobs: [String: ObjectID], movedFrom: String? = nil
    ) async throws(SyncError) -> (LocalWorkflow, WorkflowImporter.Write)? {
        let name = "workflows/\(folder)"
        let localWorkflow: LocalWorkflow
        do {
            localWorkflow = try await readWorkflow(folder: folder, blobs: blobs, movedFrom: movedFrom)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            report.invalid.append(.init(workflow: name, reason: "\(error)"))
            return nil
        }
        let issues = WorkflowValidator.validate(localWorkflow, dialect: client.dialect)
        guard issues.isEmpty else {
            report.invalid.append(contentsOf: issues.map { .init(workflow: name, reason: $0.description) })
            return nil
        }
        guard let write = try await writeShape(localWorkflow, name: name) else { return nil }
        return (localWorkflow, write)
    }

    /// The write API's shape of a workflow, or nil (reported) when a reference cannot be resolved.
    mutating func writeShape(_ workflow: LocalWorkflow, name: String) async throws(SyncError) -> WorkflowImporter.Write? {
        let references = try await referenceMaps()
        do {
            return try WorkflowImporter.write(
                workflow,
                functionIDBySlug: Dictionary(references.functionSlugByID.map { ($1, $0) }, uniquingKeysWith: { first, _ in first }),
                workflowIDBySlug: Dictionary(list.workflows.map { ($0.slug, $0.id) }, uniquingKeysWith: { first, _ in first }))
        } catch {
            report.invalid.append(contentsOf: error.issues.map { .init(workflow: name, reason: $0.description) })
            return nil
        }
    }

    /// PATCH (with the intent's `lock_version`), PUT the triggers, read Kapso's form back into the files
    /// and the base. The intent, recorded before, holds the digests of what is sent and of Kapso's
    /// triggers when this cycle read them: triggers changed in Kapso since are someone else's edit (they
    /// do not move `lock_version`), and are not replaced. Returns whether all of it happened.
    /// `merge`: the write is a merge of both sides' edits, reported with what came from which.
    @discardableResult
    mutating func completeWrite(
        id: String, folder: String, write: WorkflowImporter.Write, intent: PushIntent, asCreation: Bool,
        merge: (fromGit: [String], fromKapso: [String])? = nil
    ) async throws(SyncError) -> Bool {
        var body = write.workflow
        if let lockVersion = intent.lockVersion { body["lock_version"] = .number(JSONNumber(lockVersion)) }
        do {
            _ = try await client.updateWorkflow(id: id, fields: body)
        } catch {
            // A 409: Kapso changed after this cycle read it, or a retry met this cycle's own write whose
            // answer was lost; what Kapso holds now tells which.
            var readBack: OwnWriteRecognizer.Outcome?
            var bodyLanded = false
            let version = error.status == 409 ? try await self.readBack(id: id) : nil
            if let version, let kapso = try await digestParts(of: version) {
                readBack = OwnWriteRecognizer.decide(
                    intent: intent, baseFiles: intent.baseFiles ?? [:], localHashes: intent.localHashes, kapso: kapso)
                bodyLanded = kapso.body == intent.bodyDigest
            }
            switch WriteFailurePolicy.afterPatch(status: error.status, readBack: readBack, bodyLanded: bodyLanded, asCreation: asCreation) {
            case .recordLanded:
                guard let version else { return false }
                recordWrite(version, id: id, folder: folder, asCreation: asCreation, merge: merge)
                return true
            case .continueWithTriggers:
                break
            case .conflict(let discardIntent):
                if discardIntent { try await intents.discard(intent.workflowID) }
                try await conflict(id: id, folder: folder, reason: "Kapso changed it while it was being pushed (409)")
                return false
            case .report(let invalid, let discardIntent):
                if discardIntent { try await intents.discard(intent.workflowID) }
                reportWriteFailure(error, id: id, folder: folder, invalid: invalid)
                return false
            }
        }
        try engine.crashSeam?(.afterPatch)
        // From here on the PATCH has landed: whatever fails, the intent stays, so that the next cycle
        // recognises the partial write and finishes it.
        let decision: TriggerReplacement.Decision
        do {
            let current = WriteDigest.triggers(try await client.triggers(workflowID: id).map(WorkflowExporter.exportTrigger))
            decision = TriggerReplacement.decide(
                current: current, desired: WriteDigest.triggers(write.fileTriggers), readBefore: intent.triggersBeforeDigest ?? current)
            if decision == .replace { try await client.replaceTriggers(workflowID: id, triggers: write.triggers) }
        } catch {
            reportWriteFailure(error, id: id, folder: folder, invalid: error.status == 422)
            return false
        }
        if decision == .conflict {
            _ = try await readBack(id: id)
            try await conflict(id: id, folder: folder, reason: "its triggers changed in Kapso while it was being pushed")
            return false
        }
        try engine.crashSeam?(.afterKapsoWrite)
        guard let fetched = try await readBack(id: id) else {
            // The write landed; the intent makes the next cycle take Kapso's form without a false conflict.
            report.failures.append(
                .init(workflow: "\(folder) (\(id))", reason: "pushed, but reading it back failed; the next cycle records it"))
            return false
        }
        recordWrite(fetched, id: id, folder: folder, asCreation: asCreation, merge: merge)
        return true
    }

    private mutating func reportWriteFailure(_ error: KapsoAPIError, id: String, folder: String, invalid: Bool) {
        if invalid {
            report.invalid.append(.init(workflow: "workflows/\(folder)", reason: "Kapso refused it: \(error)"))
        } else {
            report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "push: \(error)"))
        }
    }

    /// Makes Kapso's form of a write that landed the files and the base, and reports it.
    private mutating func recordWrite(
        _ version: RemoteVersion, id: String, folder: String, asCreation: Bool, merge: (fromGit: [String], fromKapso: [String])?
    ) {
        _ = takeRemote(id)
        // A write from git always changes the workflow's files: a generated source no longer matches them.
        if let line = settleSource(id: id, folder: folder, pulled: false) { report.warnings.append("\(folder): \(line)") }
        let entry = CommitMessage.SyncedWorkflow(
            slug: folder, name: version.workflow.name, id: id, lockVersion: version.workflow.lockVersion, isNew: asCreation)
        if let merge {
            report.merged.append(.init(workflow: entry, fromGit: merge.fromGit, fromKapso: merge.fromKapso))
        } else if asCreation {
            report.created.append(entry)
        } else {
            report.pushed.append(entry)
        }
        intents.resolve(id)
    }

    /// Reads a workflow again and stores its files as blobs; nil when Kapso does not answer well.
    mutating func readBack(id: String) async throws(SyncError) -> RemoteVersion? {
        let references = try await referenceMaps()
        let stub: WorkflowSummary
        do {
            stub = try WorkflowSummary(["id": .string(id), "name": "", "slug": "", "status": ""])
        } catch {
            return nil
        }
        guard case .success(let fetched) = await Self.fetch(stub, client: client, references: references) else { return nil }
        do {
            let version = RemoteVersion(
                workflow: fetched.workflow, hashes: fetched.hashes, blobs: try await blobs(of: fetched.exported.files))
            remote[id] = version
            return version
        } catch {
            throw .git(error)
        }
    }

    /// The `WriteDigest` parts of a version read from Kapso; nil when its files cannot be read back.
    func digestParts(of version: RemoteVersion) async throws(SyncError) -> WriteDigest.Parts? {
        let folder = version.workflow.slug
        do {
            return WriteDigest.parts(of: try await readWorkflow(folder: folder, blobs: version.blobs))
        } catch let error as GitError {
            throw .git(error)
        } catch {
            return nil
        }
    }
}
