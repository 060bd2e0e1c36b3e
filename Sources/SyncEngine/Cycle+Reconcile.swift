import CanonicalJSON
import GitStore
import KapsoModels
import WorkflowMerge
import WorkflowRepo

extension Cycle {
    /// Decides per workflow with the three-way planner and carries each decision out. A workflow the
    /// plan would write or take from Kapso and that was not read this cycle (only assumed equal to the
    /// base from its `lock_version`) is read first, and the plan made again on what Kapso holds.
    mutating func reconcile() async throws(SyncError) {
        var actions = plan()
        let unread = Set(ReconcilePlanner.unreadBeforeActing(actions, read: Set(remote.keys)))
        if !unread.isEmpty {
            try await fetch(list.workflows.filter { unread.contains($0.id) })
            actions = plan()
        }
        // A resolution merged with `-s ours` changes the base of what git changed: without it, a Kapso
        // edit made after the conflict and back to main's old version would look unchanged, and git's
        // resolution would be pushed over it. Only cycles that would write or contest read history.
        let contested = actions.compactMap { action -> String? in
            switch action {
            case .merge(let id, _), .conflict(let id, _, _), .push(let id, _), .rename(let id, _, _), .archive(let id, _): id
            default: nil
            }
        }
        if !contested.isEmpty {
            try await recognizeResolutions(of: Set(contested))
            actions = plan()
        }
        try checkDeletionBrake(actions)
        try await loadSources(for: actions)
        for action in actions {
            switch try await recognizingOwnWrite(action) {
            case .pull(let id), .adopt(let id):
                try await pull(id)
            case .push(let id, let folder):
                try await push(id: id, folder: folder)
            case .rename(let id, let from, let to):
                try await push(id: id, folder: to, movedFrom: from)
            case .conflict(let id, let folder, let reason):
                try await conflict(id: id, folder: folder, reason: reason)
            case .merge(let id, let folder):
                try await merge(id: id, folder: folder)
            case .create(let folder):
                try await create(folder: folder)
            case .archive(let id, let folder):
                try await archive(id: id, folder: folder)
            case .deletedInGit(_, let folder):
                report.deletedInGit.append(folder)
            case .removeFolder(let id, let folder):
                removeFolder(id: id, folder: folder)
            case .deletedInKapso(_, let folder):
                report.missingInKapso.append(folder)
            case .forget(let id, let folder):
                if outcome.remoteMap.workflows[folder]?.id == id { outcome.remoteMap.remove(slug: folder) }
            case .refuse(let id, let slug, let reason):
                report.failures.append(.init(workflow: "\(slug) (\(id))", reason: reason))
            case .invalid(let folder, let reason):
                report.invalid.append(.init(workflow: "workflows/\(folder)", reason: reason))
            }
        }
        intents.resolveRecorded(by: outcome.remoteMap)
        intents.resolveSettled(base: base, kapso: remote.mapValues { (slug: $0.workflow.slug, files: $0.hashes) })
    }

    /// The planner's view of this cycle: workflows that cannot be read this cycle are left out on every side.
    func plan() -> [ReconcilePlanner.Action] {
        var planBase = base
        var planLocal = local.states
        for id in untouchable {
            guard let entry = base.entry(forID: id) else { continue }
            planBase.remove(slug: entry.slug)
            planLocal.removeValue(forKey: entry.slug)
        }
        // A new folder the filter leaves out is not created in Kapso.
        if !configuration.filter.isAll {
            for slug in planLocal.keys where planBase.workflows[slug] == nil && !configuration.filter.admits(slug: slug) {
                planLocal.removeValue(forKey: slug)
            }
        }
        let inputs = PlanInputs(
            base: planBase, local: planLocal, remote: planRemote(),
            policy: .init(
                deletedInGit: configuration.deletedInGit, deletedInKapso: configuration.deletedInKapso, autoMerge: configuration.autoMerge))
        // The planner is a pure function: inputs equal to the last plan's give its actions. Comparing
        // them costs a few milliseconds where planning 10,000 workflows cost 20–30.
        if let last = engine.cache.withLock({ $0.lastPlan }), last.inputs == inputs { return last.actions }
        let actions = ReconcilePlanner.plan(base: inputs.base, local: inputs.local, remote: inputs.remote, policy: inputs.policy)
        engine.cache.withLock { $0.lastPlan = (inputs, actions) }
        return actions
    }

    /// Kapso's side of the plan: a workflow as fetched this cycle, else as listed. With nothing fetched
    /// it follows from the list and the workflows held out alone, and inside `run` an idle cycle's list
    /// is the last cycle's own array: the last states are taken again, which also lets the plan's
    /// inputs compare by identity (rebuilt, 10,000 states cost 5 ms and a comparison key by key).
    func planRemote() -> [String: ReconcilePlanner.Remote] {
        if remote.isEmpty, let last = engine.cache.withLock({ $0.lastPlanRemote }),
            FetchPlanInputs.isSameArray(last.listed, list.workflows), last.untouchable == untouchable
        {
            return last.states
        }
        var states: [String: ReconcilePlanner.Remote] = [:]
        states.reserveCapacity(list.workflows.count)
        for summary in list.workflows where !untouchable.contains(summary.id) {
            if let fetched = remote[summary.id] {
                states[summary.id] = .init(slug: fetched.workflow.slug, hashes: fetched.hashes, status: fetched.workflow.status)
            } else {
                states[summary.id] = .init(slug: summary.slug, hashes: nil, status: summary.status)
            }
        }
        if remote.isEmpty { engine.cache.withLock { $0.lastPlanRemote = (list.workflows, untouchable, states) } }
        return states
    }

    /// What `ReconcilePlanner.plan` decides from.
    struct PlanInputs: Equatable, Sendable {
        let base: RemoteMap
        let local: [String: ReconcilePlanner.Local]
        let remote: [String: ReconcilePlanner.Remote]
        let policy: ReconcilePlanner.Policy
    }

    /// Refuses the whole cycle when it would archive or remove more workflows than the brake allows:
    /// a mass deletion is far more often a mistake (a bad merge, an API answering an empty list) than intent.
    func checkDeletionBrake(_ actions: [ReconcilePlanner.Action]) throws(SyncError) {
        let deletions = actions.filter(\.deletes).count
        let workflows = max(base.workflows.count, list.workflows.count, 1)
        let brake = configuration.deletionBrake
        if ReconcilePlanner.exceedsDeletionBrake(deletions: deletions, workflows: workflows, brake: brake) {
            throw .deletionBrake(
                deletions: deletions, workflows: workflows, limit: "more than \(brake.count) and more than \(brake.percent)%")
        }
    }

    /// The folder was removed in git: archive the workflow in Kapso (there is no delete in the API)
    /// and keep a tombstone in the base, so that only a later change in Kapso brings it back.
    mutating func archive(id: String, folder: String) async throws(SyncError) {
        guard let summary = list.workflows.first(where: { $0.id == id }) else { return }
        guard !dryRun else {
            report.archived.append(folder)
            return
        }
        var body: [String: JSONValue] = ["status": "archived"]
        let lockVersion = remote[id]?.workflow.lockVersion ?? summary.lockVersion
        if let lockVersion { body["lock_version"] = .number(JSONNumber(lockVersion)) }
        let answer: WorkflowSummary
        do {
            answer = try WorkflowSummary(try await client.updateWorkflow(id: id, fields: body))
        } catch let error as KapsoAPIError where error.status == 409 {
            _ = try await readBack(id: id)
            try await conflict(id: id, folder: folder, reason: "deleted in git but changed in Kapso while being archived (409)")
            return
        } catch {
            report.failures.append(.init(workflow: "\(folder) (\(id))", reason: "archive: \(error)"))
            return
        }
        let previous = base.entry(forID: id)
        outcome.remoteMap.set(
            RemoteMap.Entry(
                id: id, slug: folder, lockVersion: answer.lockVersion, status: answer.status, updatedAt: answer.updatedAt, files: [:],
                extra: previous?.extra ?? [:]))
        state.knownVersions[id] = .init(lockVersion: answer.lockVersion, files: [:])
        report.archived.append(folder)
    }

    /// The workflow is gone from Kapso: remove its folder and its base entry.
    mutating func removeFolder(id: String, folder: String) {
        for path in local.blobs[folder, default: [:]].keys.sorted() { outcome.changes.append(.remove(path: path)) }
        outcome.localAfter.blobs.removeValue(forKey: folder)
        outcome.localAfter.states.removeValue(forKey: folder)
        outcome.remoteMap.remove(slug: folder)
        state.knownVersions.removeValue(forKey: id)
        report.removed.append(folder)
    }

    /// Where a write of this service is still unconfirmed (its intent is on file: the commit that would
    /// record it never landed), the base does not say what Kapso was last sent, so `OwnWriteRecognizer`
    /// compares what Kapso holds with the intent. A conflict whose Kapso side is that write, interrupted
    /// or with its answer lost, is no conflict. A pull over it is one only if Kapso holds exactly that
    /// write: otherwise git has changed since the write was sent (the pull would revert a newer commit)
    /// and Kapso's change may or may not contain it, which only a person can tell.
    func recognizingOwnWrite(_ action: ReconcilePlanner.Action) async throws(SyncError) -> ReconcilePlanner.Action {
        let id: String
        let folder: String
        switch action {
        case .conflict(let conflictID, let conflictFolder, _), .merge(let conflictID, let conflictFolder):
            (id, folder) = (conflictID, conflictFolder)
        case .pull(let pullID), .adopt(let pullID):
            guard let entry = base.entry(forID: pullID), intents[pullID] != nil else { return action }
            (id, folder) = (pullID, entry.slug)
        default:
            return action
        }
        guard case .files(let hashes)? = local.states[folder] else { return action }
        let key = base.entry(forID: id) == nil ? PushIntent.creationKey(folder) : id
        guard let intent = intents[key], let version = remote[id], let kapso = try await digestParts(of: version) else { return action }
        // Recorded already (the base is past the version it was sent with): nothing unconfirmed.
        if let sent = intent.lockVersion, let recorded = base.entry(forID: id)?.lockVersion, recorded > sent { return action }
        let outcome = OwnWriteRecognizer.decide(
            intent: intent, baseFiles: base.entry(forID: id)?.files ?? [:], localHashes: hashes, kapso: kapso)
        return OwnWriteRecognizer.revise(action, id: id, folder: folder, by: outcome)
    }

    /// Takes Kapso's version of a workflow: its files into the folder (moving the folder when the slug
    /// changed) and into the base.
    mutating func pull(_ id: String) async throws(SyncError) {
        var changes = try await pulledChanges(id)
        let filesChange = workflowFilesChange(id)
        guard let workflow = takeRemote(id) else { return }
        if filesChange, let line = settleSource(id: id, folder: workflow.slug, pulled: true) { changes.append(line) }
        report.pulled.append(
            .init(
                slug: workflow.slug, name: workflow.name, id: id, lockVersion: workflow.lockVersion, isNew: base.entry(forID: id) == nil,
                changes: changes))
    }

    /// Whether taking Kapso's version changes the workflow's files on the branch (`definition.json` or
    /// `workflow.yaml`: a generated `workflow.js` holds both).
    func workflowFilesChange(_ id: String) -> Bool {
        guard let fetched = remote[id], let previous = base.entry(forID: id) else { return false }
        let byName = { (blobs: [String: ObjectID]) in
            Dictionary(blobs.map { (String($0.key.split(separator: "/").last ?? ""), $0.value) }, uniquingKeysWith: { first, _ in first })
        }
        return byName(fetched.blobs) != byName(local.blobs[previous.slug] ?? [:])
    }

    /// What Kapso changed in a workflow git has, for the commit message (a changelog a person scans):
    /// worked out for the first hundred pulls of a cycle only; none when a side cannot be read.
    func pulledChanges(_ id: String) async throws(SyncError) -> [String] {
        guard report.pulled.count < 100, let previous = base.entry(forID: id), let fetched = remote[id],
            let blobs = local.blobs[previous.slug]
        else { return [] }
        do {
            let (before, after) = try await changelogSides(
                before: (previous.slug, blobs), after: (fetched.workflow.slug, fetched.blobs))
            return WorkflowChanges.between(before, after)
        } catch let error as GitError {
            throw .git(error)
        } catch {
            return []
        }
    }

    /// Both versions of a workflow's two files, parsed for a changelog, read in one hop onto the store's
    /// queue. A file whose blob is the same in both holds no change, and is left empty on both sides
    /// instead of being read (a rename in Kapso changes `workflow.yaml` only).
    func changelogSides(
        before: (folder: String, blobs: [String: ObjectID]), after: (folder: String, blobs: [String: ObjectID])
    ) async throws -> (WorkflowMerge.Workflow, WorkflowMerge.Workflow) {
        let sides = [before, after]
        let slugs = try sides.map { try Slug($0.folder) }
        // Per side, the paths of its definition and its metadata.
        let paths = slugs.map { [RepositoryLayout.definitionPath($0), RepositoryLayout.workflowYAMLPath($0)] }
        let changed = (0..<2).map { file in sides[0].blobs[paths[0][file]] != sides[1].blobs[paths[1][file]] }
        var wanted: [(side: Int, file: Int)] = []
        var blobs: [ObjectID] = []
        for side in 0..<2 {
            for file in 0..<2 where changed[file] {
                guard let blob = sides[side].blobs[paths[side][file]] else {
                    throw LayoutError.invalidFile(path: paths[side][file], detail: "missing")
                }
                wanted.append((side, file))
                blobs.append(blob)
            }
        }
        var contents = [[[UInt8]?]](repeating: [nil, nil], count: 2)
        for (place, bytes) in zip(wanted, try await git.readBlobs(blobs)) { contents[place.side][place.file] = bytes }
        let workflows = try (0..<2).map { side in
            WorkflowMerge.Workflow(
                definition: try contents[side][0].map { try LocalWorkflow.parseDefinition($0, slug: slugs[side]) } ?? [:],
                metadata: try contents[side][1].map { try LocalWorkflow.parseMetadata($0, slug: slugs[side]) } ?? [:])
        }
        return (workflows[0], workflows[1])
    }

    /// Makes the fetched version of `id` the files and the base; returns it.
    mutating func takeRemote(_ id: String) -> WorkflowSummary? {
        guard let fetched = remote[id] else { return nil }
        let workflow = fetched.workflow
        let previous = base.entry(forID: id)
        let folder = workflow.slug
        for (path, blob) in fetched.blobs where local.blobs[folder]?[path] != blob {
            outcome.changes.append(.upsert(path: path, blob: blob))
        }
        if let previous, previous.slug != folder {
            for path in local.blobs[previous.slug, default: [:]].keys where fetched.hashes[path] == nil {
                outcome.changes.append(.remove(path: path))
            }
            outcome.localAfter.blobs.removeValue(forKey: previous.slug)
            outcome.localAfter.states.removeValue(forKey: previous.slug)
        }
        outcome.localAfter.blobs[folder] = fetched.blobs
        outcome.localAfter.states[folder] = .files(hashes: fetched.hashes)
        outcome.remoteMap.set(fetched.baseEntry(id: id, keeping: previous))
        state.knownVersions[id] = .init(lockVersion: workflow.lockVersion, files: fetched.hashes)
        state.localFiles[folder] = .init(blobs: fetched.blobs.mapValues(\.hex), hashes: fetched.hashes)
        // The records now describe the tree this cycle commits, not the one they were read from.
        state.localTree = nil
        if intents[id] != nil { intents.resolve(id) }
        return workflow
    }
}
