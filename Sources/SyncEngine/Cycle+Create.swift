import CanonicalJSON
import GitStore
import KapsoModels
import WorkflowRepo

extension Cycle {
    /// Creates in Kapso a workflow that exists only as a folder in git: POST (always a draft), then the
    /// same complete write as a push (metadata, status, triggers), then Kapso's form into the base.
    /// Never twice: the intent recorded before the POST lets the next cycle recognise the workflow it
    /// created (same slug, files unchanged since) and finish the job instead of creating another.
    mutating func create(folder: String) async throws(SyncError) {
        guard let blobs = local.blobs[folder] else { return }
        guard let (localWorkflow, write) = try await validatedWrite(folder: folder, blobs: blobs) else { return }
        guard !dryRun else {
            report.created.append(
                .init(slug: folder, name: localWorkflow.metadata["name"]?.stringValue ?? folder, id: "", lockVersion: nil, isNew: true))
            return
        }
        let parts = WriteDigest.parts(of: localWorkflow)
        var intent = PushIntent(
            workflowID: PushIntent.creationKey(folder), lockVersion: nil, localHashes: localWorkflow.hashes, writeDigest: parts.full,
            bodyDigest: parts.body, triggersBeforeDigest: WriteDigest.triggers([]),
            creationDigest: WriteDigest.creationAsSent(localWorkflow), baseFiles: [:])
        intent.creationName = write.workflow["name"]?.stringValue
        try await recordIntent(intent)
        var creation: [String: JSONValue] = ["slug": .string(folder), "definition": write.workflow["definition"] ?? [:]]
        creation["name"] = write.workflow["name"]
        creation["description"] = write.workflow["description"]
        let created: WorkflowSummary
        do {
            created = try WorkflowSummary(try await client.createWorkflow(creation))
        } catch let error as KapsoAPIError {
            guard case .report(let invalid, let discardIntent) = WriteFailurePolicy.afterCreate(status: error.status) else { return }
            if discardIntent { try await intents.discard(PushIntent.creationKey(folder)) }
            if invalid {
                report.invalid.append(.init(workflow: "workflows/\(folder)", reason: "Kapso refused to create it: \(error)"))
            } else {
                report.failures.append(.init(workflow: "workflows/\(folder)", reason: "create: \(error)"))
            }
            return
        } catch {
            // An answer that could not be read: the workflow may exist, the intent stays.
            report.failures.append(.init(workflow: "workflows/\(folder)", reason: "create: Kapso's answer: \(error)"))
            return
        }
        try engine.crashSeam?(.afterCreate)
        guard let lockVersion = created.lockVersion else {
            report.failures.append(
                .init(workflow: "workflows/\(folder)", reason: "created, but Kapso gave no lock_version: the rest is not written"))
            return
        }
        // The creation intent stays until the base records the workflow (see `reconcile`).
        intent.lockVersion = lockVersion
        try await completeWrite(id: created.id, folder: folder, write: write, intent: intent, asCreation: true)
    }
}
