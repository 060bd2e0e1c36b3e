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
        guard let (localWorkflow, write) = try await validatedWrite(folder: folder, blobs: blobs) else { return }
        guard !dryRun else {
            report.pushed.append(.init(slug: folder, name: summary.name, id: id, lockVersion: summary.lockVersion, isNew: false))
            return
        }
        // The lock_version of the content the change is based on: Kapso's current one, whose content
        // the planner found equal to the base.
        let lockVersion = remote[id]?.workflow.lockVersion ?? summary.lockVersion
        try await recordIntent(
            PushIntent(
                workflowID: id, lockVersion: lockVersion, localHashes: localWorkflow.hashes, writeDigest: WriteDigest.of(localWorkflow)),
            what: "push intent for \(folder)")
        try await completeWrite(
            id: id, folder: folder, lockVersion: lockVersion, write: write, digest: WriteDigest.of(localWorkflow), asCreation: false)
    }

    /// Records the intent in the state directory and, with a git server, on the server, before the
    /// write it announces: a server that cannot be reached stops the cycle before Kapso is touched.
    func recordIntent(_ intent: PushIntent, what: String) async throws(SyncError) {
        do {
            try intent.record(in: configuration.stateDirectory)
        } catch {
            throw .state("cannot record the \(what): \(error)")
        }
        try await configuration.remote?.publishIntents(git: git, stateDirectory: configuration.stateDirectory, author: configuration.author)
    }

    /// Reads a folder, validates it and builds what Kapso's write API takes; nil (reported as invalid)
    /// when any of that fails, so nothing is sent.
    mutating func validatedWrite(
        folder: String, blobs: [String: ObjectID]
    ) async throws(SyncError) -> (LocalWorkflow, WorkflowImporter.Write)? {
        let name = "workflows/\(folder)"
        let localWorkflow: LocalWorkflow
        do {
            localWorkflow = try await readWorkflow(folder: folder, blobs: blobs)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            report.invalid.append(.init(workflow: name, reason: "\(error)"))
            return nil
        }
        let issues = WorkflowValidator.validate(localWorkflow)
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

    /// PATCH (with `lockVersion`), PUT the triggers, read Kapso's form back into the files and the base.
    /// Returns whether all of it happened.
    @discardableResult
    mutating func completeWrite(
        id: String, folder: String, lockVersion: Int?, write: WorkflowImporter.Write, digest: String, asCreation: Bool
    ) async throws(SyncError) -> Bool {
        var body = write.workflow
        if let lockVersion { body["lock_version"] = .number(JSONNumber(lockVersion)) }
        do {
            _ = try await client.send(.updateWorkflow(id), body: ["workflow": .object(body)])
            // Triggers are replaced only when they differ: a replace gives them new ids in Kapso.
            let current = try await client.triggers(workflowID: id).map(WorkflowExporter.exportTrigger)
            if current != write.fileTriggers.map(Self.withDefaultActive) {
                _ = try await client.send(.replaceTriggers(id), body: ["triggers": .array(write.triggers)])
            }
        } catch {
            // A refusal is final; after a lost answer or a server error the write may have landed, and
            // the intent must stay for the next cycle to recognise it.
            if !asCreation, let status = error.status, (400..<500).contains(status) {
                PushIntent.remove(id: id, in: configuration.stateDirectory)
            }
            switch error.status {
            case 409:
                return try await conflictAfterStaleWrite(id: id, folder: folder, digest: digest, asCreation: asCreation)
            case 422:
                report.invalid.append(.init(workflow: "workflows/\(folder)", reason: "Kapso refused it: \(error)"))
            default:
                report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "push: \(error)"))
            }
            return false
        }
        try engine.crashSeam?(.afterKapsoWrite)
        guard let fetched = try await readBack(id: id) else {
            // The write landed; the intent makes the next cycle take Kapso's form without a false conflict.
            report.failures.append(
                .init(workflow: "\(folder) (\(id))", reason: "pushed, but reading it back failed; the next cycle records it"))
            return false
        }
        recordWrite(fetched, id: id, folder: folder, asCreation: asCreation)
        return true
    }

    /// Makes Kapso's form of a write that landed the files and the base, and reports it.
    private mutating func recordWrite(_ version: RemoteVersion, id: String, folder: String, asCreation: Bool) {
        _ = takeRemote(id)
        let entry = CommitMessage.PulledWorkflow(
            slug: folder, name: version.workflow.name, id: id, lockVersion: version.workflow.lockVersion, isNew: asCreation)
        if asCreation { report.created.append(entry) } else { report.pushed.append(entry) }
        resolvedIntents.append(id)
    }

    /// A trigger as the CLI writes it, with `active` (which Kapso defaults to true) always present.
    static func withDefaultActive(_ trigger: JSONValue) -> JSONValue {
        guard var object = trigger.objectValue else { return trigger }
        if object["active"] == nil { object["active"] = true }
        return .object(object)
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
            var blobs: [String: ObjectID] = [:]
            for (path, bytes) in fetched.exported.files.byPath { blobs[path] = try await git.writeBlob(bytes) }
            let version = RemoteVersion(workflow: fetched.workflow, hashes: fetched.hashes, blobs: blobs)
            remote[id] = version
            return version
        } catch {
            throw .git(error)
        }
    }

    /// A 409: Kapso changed after this cycle read it, or a retry met this cycle's own write whose
    /// answer was lost. Kapso's version tells which: exactly the write, or a conflict.
    private mutating func conflictAfterStaleWrite(
        id: String, folder: String, digest: String, asCreation: Bool
    ) async throws(SyncError) -> Bool {
        if let version = try await readBack(id: id), try await writeDigest(of: version) == digest {
            recordWrite(version, id: id, folder: folder, asCreation: asCreation)
            return true
        }
        try await conflict(id: id, folder: folder, reason: "Kapso changed it while it was being pushed (409)")
        return false
    }

    /// The `WriteDigest` of a version read from Kapso, from its files as stored in git.
    func writeDigest(of version: RemoteVersion) async throws(SyncError) -> String? {
        let folder = version.workflow.slug
        do {
            return WriteDigest.of(try await readWorkflow(folder: folder, blobs: version.blobs))
        } catch let error as GitError {
            throw .git(error)
        } catch {
            return nil
        }
    }
}
