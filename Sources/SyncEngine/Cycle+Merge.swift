import CanonicalJSON
import GitStore
import KapsoYAML
import WorkflowMerge
import WorkflowRepo

/// What merging a workflow's two sides found, for its conflict branch and the report.
struct MergeFindings: Sendable {
    /// Each field both sides changed differently, with both values; or why the merged result cannot be sent.
    var conflicts: [String] = []
    var gitChanges: [String] = []
    var kapsoChanges: [String] = []
    /// The last commit where the workflow was in sync: its conflict branch starts there.
    var forkPoint: ObjectID?
}

extension WorkflowMerge.Workflow {
    init(_ workflow: LocalWorkflow) {
        self.init(definition: workflow.definition, metadata: workflow.metadata)
    }
}

extension LocalWorkflow {
    /// A merge's result as the two files of `folder`, read back like any folder (canonical, checked).
    static func merged(_ result: WorkflowMerge.Workflow, folder: String) throws(LayoutError) -> LocalWorkflow {
        try LocalWorkflow.read(
            folder: folder, definitionJSON: CanonicalJSONWriter.canonicalBytes(.object(result.definition)),
            workflowYAML: CanonicalYAMLWriter.canonicalBytes(.object(result.metadata)))
    }
}

extension Cycle {
    /// Both sides changed the workflow: merges git's edits and Kapso's against their last common version
    /// (the newest commit where the files are the base's). A clean merge is validated and pushed with the
    /// `lock_version` Kapso's side was read at (a 409 is someone's newer edit: a new round, never an
    /// overwrite), then recorded in git like any push. Fields both changed differently, a result that is
    /// not a valid workflow, or a common version that cannot be found make a conflict.
    mutating func merge(id: String, folder: String) async throws(SyncError) {
        let reason = "changed both in git and in Kapso"
        if let refusal = authoredSourceRefusal(id: id) {
            report.invalid.append(.init(workflow: "workflows/\(folder)", reason: refusal))
            return
        }
        guard let entry = base.entry(forID: id), let kapso = remote[id], let blobs = local.blobs[folder] else {
            try await conflict(id: id, folder: folder, reason: reason)
            return
        }
        let ours: LocalWorkflow
        let theirs: LocalWorkflow
        do {
            ours = try await readWorkflow(folder: folder, blobs: blobs)
            theirs = try await readWorkflow(folder: folder, blobs: kapso.blobs)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            try await conflict(id: id, folder: folder, reason: "\(reason); not merged: \(error)")
            return
        }
        guard let common = try await inSyncVersion(of: entry, in: try await branchHistory()) else {
            try await conflict(
                id: id, folder: folder,
                reason: "\(reason); not merged: their last common version is not among the branch's last \(Self.historyLimit) commits")
            return
        }
        let commonSide = WorkflowMerge.Workflow(common.workflow)
        var findings = MergeFindings(
            gitChanges: WorkflowChanges.between(commonSide, .init(ours)), kapsoChanges: WorkflowChanges.between(commonSide, .init(theirs)),
            forkPoint: common.commit.id)
        switch WorkflowMerge.merge(base: commonSide, ours: .init(ours), theirs: .init(theirs)) {
        case .conflicts(let conflicts):
            findings.conflicts = conflicts.map(\.description)
            let fields = conflicts.count == 1 ? "the same field" : "the same \(conflicts.count) fields"
            try await conflict(id: id, folder: folder, reason: "\(reason): \(fields) differently", findings: findings)
        case .merged(let result):
            let merged: LocalWorkflow
            do {
                merged = try LocalWorkflow.merged(result, folder: folder)
            } catch {
                try await conflict(
                    id: id, folder: folder, reason: "\(reason); the merged result cannot be read back: \(error)", findings: findings)
                return
            }
            // One side already holds the other's edits: a plain pull or push.
            if merged.hashes == theirs.hashes { return try await pull(id) }
            if merged.hashes == ours.hashes { return try await push(id: id, folder: folder) }
            let issues = WorkflowValidator.validate(merged, dialect: client.dialect)
            guard issues.isEmpty else {
                findings.conflicts = issues.map(\.description)
                try await conflict(
                    id: id, folder: folder, reason: "\(reason); the edits merge, but not into a valid workflow", findings: findings)
                return
            }
            try await pushMerge(merged, id: id, folder: folder, ours: ours, kapso: kapso, entry: entry, findings: findings)
        }
    }

    /// Sends a merged workflow like a push, with an intent that also says which git files it was merged
    /// from: after a crash, Kapso holding the merge is this service's write only while git still holds those.
    private mutating func pushMerge(
        _ merged: LocalWorkflow, id: String, folder: String, ours: LocalWorkflow, kapso: RemoteVersion, entry: RemoteMap.Entry,
        findings: MergeFindings
    ) async throws(SyncError) {
        guard let write = try await writeShape(merged, name: "workflows/\(folder)") else { return }
        let sides = (fromGit: findings.gitChanges, fromKapso: findings.kapsoChanges)
        guard !dryRun else {
            let workflow = kapso.workflow
            report.merged.append(
                .init(
                    workflow: .init(slug: folder, name: workflow.name, id: id, lockVersion: workflow.lockVersion, isNew: false),
                    fromGit: sides.fromGit, fromKapso: sides.fromKapso))
            return
        }
        guard let lockVersion = kapso.workflow.lockVersion, let kapsoParts = try await digestParts(of: kapso) else {
            report.failures.append(
                .init(workflow: "\(folder) (\(id))", reason: "not merged: Kapso's version has no lock_version or cannot be read back"))
            return
        }
        let parts = WriteDigest.parts(of: merged)
        let intent = PushIntent(
            workflowID: id, lockVersion: lockVersion, localHashes: merged.hashes, writeDigest: parts.full, bodyDigest: parts.body,
            triggersBeforeDigest: kapsoParts.triggers, baseFiles: entry.files, mergedFrom: ours.hashes, mergedWith: kapso.hashes)
        try await recordIntent(intent)
        try await completeWrite(id: id, folder: folder, write: write, intent: intent, asCreation: false, merge: sides)
    }
}
