import GitStore
import KapsoAPI
import WorkflowRepo

extension Cycle {
    /// Decides per workflow with the three-way planner and carries each decision out.
    mutating func reconcile() async throws(SyncError) {
        var planBase = base
        var planLocal = local.states
        for id in untouchable {
            guard let entry = base.entry(forID: id) else { continue }
            planBase.remove(slug: entry.slug)
            planLocal.removeValue(forKey: entry.slug)
        }
        var planRemote: [String: ReconcilePlanner.Remote] = [:]
        for summary in list.workflows where !untouchable.contains(summary.id) {
            if let fetched = remote[summary.id] {
                planRemote[summary.id] = .init(slug: fetched.workflow.slug, hashes: fetched.hashes)
            } else {
                planRemote[summary.id] = .init(slug: summary.slug, hashes: nil)
            }
        }
        let actions = ReconcilePlanner.plan(base: planBase, local: planLocal, remote: planRemote)
        for action in actions {
            switch recognizingOwnWrite(action) {
            case .pull(let id), .adopt(let id):
                try await pull(id)
            case .push(let id, let folder):
                try await push(id: id, folder: folder)
            case .rename(let id, _, let to):
                try await push(id: id, folder: to)
            case .conflict(let id, let folder, let reason):
                try await conflict(id: id, folder: folder, reason: reason)
            case .create(let folder):
                try await create(folder: folder)
            case .deletedInGit(_, let folder):
                report.deletedInGit.append(folder)
            case .deletedInKapso(_, let folder):
                report.missingInKapso.append(folder)
            case .forget(let id, let folder):
                if remoteMap.workflows[folder]?.id == id { remoteMap.remove(slug: folder) }
            case .refuse(let id, let slug, let reason):
                report.failures.append(.init(workflow: "\(slug) (\(id))", reason: reason))
            case .invalid(let folder, let reason):
                report.invalid.append(.init(workflow: "workflows/\(folder)", reason: reason))
            }
        }
        // A creation is complete once its folder is in the base with an id.
        for key in intents.keys where key.hasPrefix(Self.creationKey("")) {
            if remoteMap.workflows[String(key.dropFirst(Self.creationKey("").count))] != nil { resolvedIntents.append(key) }
        }
    }

    /// A conflict whose Kapso side is this service's own interrupted push (an intent on file, the files
    /// in git unchanged since, and Kapso past the lock_version sent) is no conflict: take Kapso's form.
    func recognizingOwnWrite(_ action: ReconcilePlanner.Action) -> ReconcilePlanner.Action {
        // A workflow this service created before a crash: finish writing it rather than create another.
        if case .conflict(let id, let folder, _) = action, base.entry(forID: id) == nil,
            let intent = intents[Self.creationKey(folder)], case .files(let hashes)? = local.states[folder], hashes == intent.localHashes
        {
            return .push(id: id, folder: folder)
        }
        guard case .conflict(let id, let folder, _) = action, let intent = intents[id], let fetched = remote[id],
            case .files(let hashes)? = local.states[folder], hashes == intent.localHashes,
            let sent = intent.lockVersion, let now = fetched.workflow.lockVersion, now > sent
        else { return action }
        return .pull(id: id)
    }

    /// Takes Kapso's version of a workflow: its files into the folder (moving the folder when the slug
    /// changed) and into the base.
    mutating func pull(_ id: String) async throws(SyncError) {
        guard let workflow = takeRemote(id) else { return }
        report.pulled.append(
            .init(slug: workflow.slug, name: workflow.name, id: id, lockVersion: workflow.lockVersion, isNew: base.entry(forID: id) == nil))
    }

    /// Makes the fetched version of `id` the files and the base; returns it.
    mutating func takeRemote(_ id: String) -> WorkflowSummary? {
        guard let fetched = remote[id] else { return nil }
        let workflow = fetched.workflow
        let previous = base.entry(forID: id)
        let folder = workflow.slug
        for (path, blob) in fetched.blobs where local.blobs[folder]?[path] != blob {
            changes.append(.upsert(path: path, blob: blob))
        }
        if let previous, previous.slug != folder {
            for path in local.blobs[previous.slug, default: [:]].keys where fetched.hashes[path] == nil {
                changes.append(.remove(path: path))
            }
        }
        remoteMap.set(
            RemoteMap.Entry(
                id: id, slug: folder, lockVersion: workflow.lockVersion, status: workflow.status, updatedAt: workflow.updatedAt,
                files: fetched.hashes, extra: previous?.extra ?? [:]))
        state.knownVersions[id] = .init(lockVersion: workflow.lockVersion, files: fetched.hashes)
        state.localFiles[folder] = .init(blobs: fetched.blobs.mapValues(\.hex), hashes: fetched.hashes)
        if intents[id] != nil { resolvedIntents.append(id) }
        return workflow
    }
}
