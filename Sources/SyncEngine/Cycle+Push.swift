import CanonicalJSON
import GitStore
import KapsoAPI
import WorkflowRepo

extension Cycle {
    /// Sends a workflow changed in git to Kapso: validate, PATCH with the lock_version of the remote
    /// content the change was based on, replace the triggers, then read Kapso's form back and make
    /// that the files and the base, so the next cycle sees nothing to do. A 409 is a conflict.
    mutating func push(id: String, folder: String) async throws(SyncError) {
        guard let summary = list.workflows.first(where: { $0.id == id }), let blobs = local.blobs[folder] else { return }
        let name = "workflows/\(folder)"
        let localWorkflow: LocalWorkflow
        do {
            localWorkflow = try await readWorkflow(folder: folder, blobs: blobs)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            report.invalid.append(.init(workflow: name, reason: "\(error)"))
            return
        }
        let issues = WorkflowValidator.validate(localWorkflow)
        guard issues.isEmpty else {
            report.invalid.append(contentsOf: issues.map { .init(workflow: name, reason: $0.description) })
            return
        }
        let references = try await referenceMaps()
        let write: WorkflowImporter.Write
        do {
            write = try WorkflowImporter.write(
                localWorkflow, functionIDBySlug: Dictionary(references.functionSlugByID.map { ($1, $0) }, uniquingKeysWith: { a, _ in a }),
                workflowIDBySlug: Dictionary(list.workflows.map { ($0.slug, $0.id) }, uniquingKeysWith: { a, _ in a }))
        } catch {
            report.invalid.append(contentsOf: error.issues.map { .init(workflow: name, reason: $0.description) })
            return
        }
        guard !dryRun else {
            report.pushed.append(.init(slug: folder, name: summary.name, id: id, lockVersion: summary.lockVersion, isNew: false))
            return
        }
        // The lock_version of the content the change is based on: Kapso's current one, whose content
        // the planner found equal to the base.
        let lockVersion = remote[id]?.workflow.lockVersion ?? summary.lockVersion
        var body = write.workflow
        if let lockVersion { body["lock_version"] = .number(JSONNumber(lockVersion)) }
        do {
            try PushIntent(workflowID: id, lockVersion: lockVersion, localHashes: localWorkflow.hashes)
                .record(in: configuration.stateDirectory)
        } catch {
            throw .state("cannot record the push intent for \(folder): \(error)")
        }
        do {
            _ = try await client.send(.updateWorkflow(id), body: ["workflow": .object(body)])
            _ = try await client.send(.replaceTriggers(id), body: ["triggers": .array(write.triggers)])
        } catch {
            PushIntent.remove(id: id, in: configuration.stateDirectory)
            switch error.status {
            case 409:
                try await conflictAfterStaleWrite(id: id, folder: folder)
            case 422:
                report.invalid.append(.init(workflow: name, reason: "Kapso refused it: \(error)"))
            default:
                report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "push: \(error)"))
            }
            return
        }
        // Kapso fills in defaults and echoes: its form becomes the files and the base.
        let readBack = await Self.fetch(summary, client: client, references: references)
        guard case .success(let fetched) = readBack else {
            // The write landed; the intent makes the next cycle take Kapso's form without a false conflict.
            report.failures.append(
                .init(workflow: "\(folder) (\(id))", reason: "pushed, but reading it back failed; the next cycle records it"))
            return
        }
        do {
            var readBlobs: [String: ObjectID] = [:]
            for (path, bytes) in fetched.exported.files.byPath { readBlobs[path] = try await git.writeBlob(bytes) }
            remote[id] = RemoteVersion(workflow: fetched.workflow, hashes: fetched.hashes, blobs: readBlobs)
        } catch {
            throw .git(error)
        }
        _ = takeRemote(id)
        report.pushed.append(
            .init(slug: folder, name: fetched.workflow.name, id: id, lockVersion: fetched.workflow.lockVersion, isNew: false))
        resolvedIntents.append(id)
    }

    /// Kapso changed after this cycle read it: read it again and treat it as a conflict.
    private mutating func conflictAfterStaleWrite(id: String, folder: String) async throws(SyncError) {
        guard let summary = list.workflows.first(where: { $0.id == id }) else { return }
        let references = try await referenceMaps()
        if case .success(let fetched) = await Self.fetch(summary, client: client, references: references) {
            do {
                var blobs: [String: ObjectID] = [:]
                for (path, bytes) in fetched.exported.files.byPath { blobs[path] = try await git.writeBlob(bytes) }
                remote[id] = RemoteVersion(workflow: fetched.workflow, hashes: fetched.hashes, blobs: blobs)
            } catch {
                throw .git(error)
            }
        }
        try await conflict(id: id, folder: folder, reason: "Kapso changed it while it was being pushed (409)")
    }
}
