import CanonicalJSON
import GitStore
import KapsoModels
import WorkflowRepo

/// Kapso's version of a function read this cycle, with its files as the CLI writes them.
struct FetchedFunction: Sendable {
    let function: KapsoFunction
    let files: FunctionFiles
}

/// What a cycle knows of the functions: read by `syncFunctions`, changed by its actions.
struct FunctionWork: Sendable {
    /// `GET /functions`, read once a cycle: for references in definitions, or to sync functions.
    var list: FunctionList?
    var listed: [FunctionSummary] { list?.functions ?? [] }
    /// Function folders on the branch: blob ids and sha256 of each file, by folder.
    var blobs: [String: [String: ObjectID]] = [:]
    var hashes: [String: [String: String]] = [:]
    /// Folders read and understood (changed or new in git): what a push or a create sends.
    var parsed: [String: LocalFunction] = [:]
    /// Folders that cannot be read, and why.
    var invalidFolders: [String: String] = [:]
    var remote: [String: FetchedFunction] = [:]
    /// Functions this cycle leaves alone on every side: unreadable in Kapso.
    var untouchable: Set<String> = []
    /// Kapso's versions of the functions in conflict, each for its own branch.
    var conflicts: [FunctionConflict] = []
}

/// A function in conflict: its folder in git, why, and Kapso's version for its branch.
struct FunctionConflict: Sendable {
    let folder: String
    let reason: String
    let kapso: FetchedFunction
}

extension Cycle {
    /// Syncs `functions/<slug>/` both ways, before the workflows (a workflow new in git may call a
    /// function new in git). The same rules as workflows: the base is the remote-map, content decides,
    /// a write carries the `lock_version` of the version read, both sides changed is a conflict with
    /// Kapso's version on its own branch. Function secrets are never read.
    mutating func syncFunctions() async throws(SyncError) {
        guard configuration.functions.sync else { return }
        guard client.dialect.hasFunctions else {
            if try await hasLocalFunctions() {
                report.warnings.append("\(FunctionFiles.folder)/: the \(client.dialect) API has no functions; they are not synced")
            }
            return
        }
        let functionList: FunctionList
        if let read = functions.list {
            functionList = read
        } else {
            do {
                functionList = try await readFunctionList()
            } catch {
                throw .kapso(error)
            }
            functions.list = functionList
            references = ReferenceMaps(functions: functionList.functions, workflows: list.workflows)
        }
        for entry in functionList.invalid {
            report.failures.append(
                .init(workflow: FunctionFiles.folderPath(entry.reference), reason: "unreadable entry of GET /functions: \(entry.reason)"))
        }
        let listed = Set(functions.listed.map(\.id))
        // A list with unreadable entries does not say which functions are gone.
        if !functionList.invalid.isEmpty {
            functions.untouchable.formUnion(base.functions.values.map(\.id).filter { !listed.contains($0) })
        }
        try await readLocalFunctions()
        let stale = functions.listed.filter { summary in
            guard let entry = base.function(forID: summary.id) else { return true }
            if report.fullPass { return true }
            guard let version = Self.functionVersion(summary.lockVersion, summary.updatedAt) else { return true }
            return version != Self.functionVersion(entry.lockVersion, entry.updatedAt)
                && state.knownFunctionVersions?[summary.id] != version
        }
        try await fetchFunctions(stale.map(\.id))
        var actions = planFunctions()
        let unread = FunctionPlanner.unreadBeforeActing(actions, read: Set(functions.remote.keys))
        if !unread.isEmpty {
            try await fetchFunctions(unread)
            actions = planFunctions()
        }
        let removals = actions.filter { if case .removeFolder = $0 { true } else { false } }.count
        let brake = configuration.deletionBrake
        let count = max(base.functions.count, functions.listed.count, 1)
        if ReconcilePlanner.exceedsDeletionBrake(deletions: removals, workflows: count, brake: brake) {
            throw .deletionBrake(deletions: removals, workflows: count, limit: "more than \(brake.count) and more than \(brake.percent)%")
        }
        try await redeployPending()
        for action in actions {
            switch action {
            case .pull(let id): try await pullFunction(id)
            case .push(let id, let folder): try await pushFunction(id: id, folder: folder)
            case .adopt(let id, let folder): try await adoptFunction(id: id, folder: folder)
            case .conflict(let id, let folder, let reason): functionConflict(id: id, folder: folder, reason: reason)
            case .create(let folder): try await createFunction(folder: folder)
            case .deletedInGit(_, let folder): report.deletedInGit.append(FunctionFiles.folderPath(folder))
            case .deletedInKapso(_, let folder): report.missingInKapso.append(FunctionFiles.folderPath(folder))
            case .removeFolder(let id, let folder): removeFunctionFolder(id: id, folder: folder)
            case .forget(_, let folder): outcome.remoteMap.removeFunction(slug: folder)
            case .refuse(let id, let slug, let reason):
                report.failures.append(.init(workflow: "\(FunctionFiles.folderPath(slug)) (\(id))", reason: reason))
            case .invalid(let folder, let reason): report.invalid.append(.init(workflow: FunctionFiles.folderPath(folder), reason: reason))
            }
        }
        for summary in functions.listed where summary.status == "error" && outcome.remoteMap.function(forID: summary.id) != nil {
            report.warnings.append(
                "\(FunctionFiles.folderPath(summary.slug)): Kapso reports that its last deployment failed (status error)")
        }
        // Workflows written after this may call a function created just now.
        let created = report.functions.filter { $0.kind == .created }.map { FunctionSummary(id: $0.id, slug: $0.slug, name: nil) }
        if !created.isEmpty {
            references = ReferenceMaps(functions: functions.listed + created, workflows: list.workflows)
        }
    }

    /// `lock_version|updated_at`: what says a function may have changed; nil when the list gives neither.
    static func functionVersion(_ lockVersion: Int?, _ updatedAt: String?) -> String? {
        guard lockVersion != nil || updatedAt != nil else { return nil }
        return "\(lockVersion.map(String.init) ?? "")|\(updatedAt ?? "")"
    }

    /// Whether the head has a `functions/` folder (reported when the API has no functions).
    private func hasLocalFunctions() async throws(SyncError) -> Bool {
        guard let baseTree else { return false }
        do {
            return try await git.treeID(atPath: configuration.root.inRepository(FunctionFiles.folder), inTree: baseTree) != nil
        } catch {
            throw .git(error)
        }
    }

    /// The function folders of the head, by the sha256 of their files' bytes; those that differ from
    /// the base (or are new) are read whole, so that a broken one is reported before anything is decided.
    private mutating func readLocalFunctions() async throws(SyncError) {
        guard let baseTree else { return }
        let root = configuration.root
        do {
            let files = try await git.files(inTree: baseTree, under: root.inRepository(FunctionFiles.folder))
                .compactMap { path, blob in root.inProject(path).map { ($0, blob) } }
            functions.blobs = FunctionFiles.byFolder(Dictionary(files, uniquingKeysWith: { first, _ in first }))
            var known = engine.cache.withLock { $0.functionFileHashes }
            var used: [ObjectID: String] = [:]
            for (folder, blobs) in functions.blobs {
                var hashes: [String: String] = [:]
                var bytes: [String: [UInt8]] = [:]
                for (path, blob) in blobs {
                    if let hash = known[blob] {
                        hashes[path] = hash
                    } else {
                        let content = try await git.readBlob(blob)
                        bytes[path] = content
                        hashes[path] = FileHash.sha256(content)
                        known[blob] = hashes[path]
                    }
                    used[blob] = hashes[path]
                }
                functions.hashes[folder] = hashes
                if let entry = base.functions[folder], entry.files == hashes { continue }
                for (path, blob) in blobs where bytes[path] == nil { bytes[path] = try await git.readBlob(blob) }
                do {
                    functions.parsed[folder] = try LocalFunction.read(
                        folder: folder, yaml: bytes[FunctionFiles.yamlPath(folder)], code: bytes[FunctionFiles.codePath(folder)])
                } catch {
                    functions.invalidFolders[folder] = error.description
                }
            }
            let kept = used
            engine.cache.withLock { $0.functionFileHashes = kept }
        } catch {
            throw .git(error)
        }
    }

    private static func readFunction(_ id: String, client: any KapsoBackend) async -> (String, Result<KapsoFunction, KapsoAPIError>) {
        do {
            return (id, .success(try await client.function(id: id)))
        } catch {
            return (id, .failure(error))
        }
    }

    /// Reads functions from Kapso, a few at a time; one that cannot be read is reported and left alone.
    private mutating func fetchFunctions(_ ids: [String]) async throws(SyncError) {
        guard !ids.isEmpty else { return }
        let client = self.client
        let window = max(1, client.maxConcurrentRequests)
        var results: [(String, Result<KapsoFunction, KapsoAPIError>)] = []
        // No nested function that adds to the group: one capturing the group crashed the release build
        // (a result copied from freed memory when the group handed it over).
        await withTaskGroup(of: (String, Result<KapsoFunction, KapsoAPIError>).self) { group in
            var pending = ids.makeIterator()
            for _ in 0..<window {
                guard let id = pending.next() else { break }
                group.addTask { await Self.readFunction(id, client: client) }
            }
            while let result = await group.next() {
                results.append(result)
                if let id = pending.next() { group.addTask { await Self.readFunction(id, client: client) } }
            }
        }
        for (id, result) in results {
            let slug = functions.listed.first { $0.id == id }?.slug ?? id
            switch result {
            case .failure(let error) where error.status == 404:
                // Deleted since it was listed: it is gone, and the next list says so.
                functions.untouchable.insert(id)
            case .failure(let error):
                functions.untouchable.insert(id)
                report.failures.append(.init(workflow: "\(FunctionFiles.folderPath(slug)) (\(id))", reason: error.description))
            case .success(let function):
                do {
                    let files = try FunctionFiles(function)
                    functions.remote[id] = FetchedFunction(function: function, files: files)
                    if let entry = base.function(forID: id), entry.slug == files.slug, entry.files == files.hashes {
                        rememberVersion(of: function)
                    }
                } catch {
                    functions.untouchable.insert(id)
                    report.failures.append(.init(workflow: "\(FunctionFiles.folderPath(slug)) (\(id))", reason: error.description))
                }
            }
        }
    }

    /// The planner's view: functions that cannot be read this cycle are left out on every side.
    private func planFunctions() -> [FunctionPlanner.Action] {
        var planBase = base.functions
        var planLocal: [String: FunctionPlanner.Local] = [:]
        for (folder, hashes) in functions.hashes { planLocal[folder] = .files(hashes: hashes) }
        for (folder, reason) in functions.invalidFolders { planLocal[folder] = .invalid(reason: reason) }
        for id in functions.untouchable {
            guard let entry = base.function(forID: id) else { continue }
            planBase.removeValue(forKey: entry.slug)
            planLocal.removeValue(forKey: entry.slug)
        }
        var planRemote: [String: FunctionPlanner.Remote] = [:]
        for summary in functions.listed where !functions.untouchable.contains(summary.id) {
            if let fetched = functions.remote[summary.id] {
                planRemote[summary.id] = .init(slug: fetched.files.slug, hashes: fetched.files.hashes)
            } else {
                planRemote[summary.id] = .init(slug: summary.slug, hashes: nil)
            }
        }
        return FunctionPlanner.plan(base: planBase, local: planLocal, remote: planRemote, deletedInKapso: configuration.deletedInKapso)
    }

    /// Makes Kapso's version of a function its files and its base entry.
    private mutating func pullFunction(_ id: String, kind: CycleReport.FunctionChange.Kind = .pulled) async throws(SyncError) {
        guard let fetched = functions.remote[id] else { return }
        let previous = base.function(forID: id)
        try await takeFunctionFiles(fetched, previous: previous)
        report.functions.append(
            .init(slug: fetched.files.slug, id: id, kind: kind, lockVersion: fetched.function.lockVersion, isNew: previous == nil))
    }

    private mutating func takeFunctionFiles(_ fetched: FetchedFunction, previous: RemoteMap.Entry?) async throws(SyncError) {
        let folder = fetched.files.slug
        if !dryRun {
            do {
                for (path, bytes) in fetched.files.byPath {
                    let blob = try await git.writeBlob(bytes)
                    if functions.blobs[folder]?[path] != blob { outcome.changes.append(.upsert(path: path, blob: blob)) }
                }
            } catch {
                throw .git(error)
            }
        }
        if let previous, previous.slug != folder {
            for path in functions.blobs[previous.slug, default: [:]].keys.sorted() { outcome.changes.append(.remove(path: path)) }
        }
        recordFunction(fetched.function, files: fetched.files.hashes, previous: previous)
    }

    /// The base entry of a function as Kapso now holds it, with `files` as the branch now has them.
    private mutating func recordFunction(_ function: KapsoFunction, files: [String: String], previous: RemoteMap.Entry?) {
        var extra = previous?.extra ?? [:]
        extra["lastDeployedAt"] = function.lastDeployedAt.map { .string($0) } ?? .null
        outcome.remoteMap.setFunction(
            RemoteMap.Entry(
                id: function.id, slug: function.slug, lockVersion: function.lockVersion, status: function.status,
                updatedAt: function.updatedAt, files: files, extra: extra))
        rememberVersion(of: function)
    }

    /// The function's version holds the base's content (or will, once this cycle's commit lands): it
    /// need not be read again until it moves.
    private mutating func rememberVersion(of function: KapsoFunction) {
        guard let version = Self.functionVersion(function.lockVersion, function.updatedAt) else { return }
        state.knownFunctionVersions = (state.knownFunctionVersions ?? [:]).merging([function.id: version]) { $1 }
    }

    /// Git changed the function and Kapso did not: the changed fields go to Kapso with the `lock_version`
    /// of the version read, then the function is deployed.
    private mutating func pushFunction(id: String, folder: String) async throws(SyncError) {
        guard let fetched = functions.remote[id], let local = functions.parsed[folder] else { return }
        let kapso = fetched.function
        guard local.functionType == kapso.functionType else {
            report.invalid.append(
                .init(
                    workflow: FunctionFiles.folderPath(folder),
                    reason: "function_type changed from \(kapso.functionType) to \(local.functionType): the API cannot change a"
                        + " function's type; create a new function instead"))
            return
        }
        var fields = local.changedFields(from: kapso)
        // The files say what Kapso holds, in another form: they are rewritten the way the CLI writes them.
        guard !fields.isEmpty else { return try await pullFunction(id, kind: .normalised) }
        guard !dryRun else {
            report.functions.append(.init(slug: folder, id: id, kind: .pushed, lockVersion: kapso.lockVersion))
            return
        }
        // The version read this cycle and found to hold the base (a CLI's map may record another number
        // for the same content): anything written in Kapso since makes it refuse (409).
        if let lockVersion = kapso.lockVersion { fields["lock_version"] = .number(JSONNumber(lockVersion)) }
        let answer: KapsoFunction
        do {
            answer = try await client.updateFunction(id: id, fields: fields)
        } catch let error where error.status == 409 {
            try await fetchFunctions([id])
            if let now = functions.remote[id], now.files.hashes == functions.hashes[folder] {
                return try await adoptFunction(id: id, folder: folder)
            }
            return functionConflict(id: id, folder: folder, reason: "changed in Kapso while being pushed (409)")
        } catch let error where error.status == 422 {
            report.invalid.append(.init(workflow: FunctionFiles.folderPath(folder), reason: "Kapso refused the update: \(error)"))
            return
        } catch {
            report.failures.append(.init(workflow: FunctionFiles.folderPath(folder), reason: "update: \(error)"))
            return
        }
        try engine.crashSeam?(.afterPatch)
        try await recordWritten(answer, folder: folder, kind: .pushed, isNew: false)
    }

    /// A folder new in git: the function is created in Kapso once (the slug is Kapso's key, so a
    /// create whose answer was lost is recognised next cycle as a function on both sides), then deployed.
    private mutating func createFunction(folder: String) async throws(SyncError) {
        guard let local = functions.parsed[folder] else { return }
        guard !dryRun else {
            report.functions.append(.init(slug: folder, id: "", kind: .created, lockVersion: nil, isNew: true))
            return
        }
        var answer: KapsoFunction
        do {
            answer = try await client.createFunction(local.createFields)
        } catch let error where error.status == 422 {
            report.invalid.append(.init(workflow: FunctionFiles.folderPath(folder), reason: "Kapso refused to create it: \(error)"))
            return
        } catch {
            report.failures.append(.init(workflow: FunctionFiles.folderPath(folder), reason: "create: \(error)"))
            return
        }
        try engine.crashSeam?(.afterCreate)
        // New functions pass responses through; a folder that asks for another mode gets it by an update.
        if let mode = local.invokeResponseMode, mode != answer.invokeResponseMode {
            var fields: [String: JSONValue] = ["invoke_response_mode": .string(mode)]
            if let lockVersion = answer.lockVersion { fields["lock_version"] = .number(JSONNumber(lockVersion)) }
            do {
                answer = try await client.updateFunction(id: answer.id, fields: fields)
            } catch {
                report.failures.append(
                    .init(workflow: FunctionFiles.folderPath(folder), reason: "created, but invoke_response_mode not set: \(error)"))
            }
        }
        try await recordWritten(answer, folder: folder, kind: .created, isNew: true)
    }

    /// Records what Kapso answered to a write: the branch keeps its files when Kapso stored exactly them,
    /// and takes Kapso's form otherwise (said in a warning); then the deployment.
    private mutating func recordWritten(
        _ answer: KapsoFunction, folder: String, kind: CycleReport.FunctionChange.Kind, isNew: Bool
    ) async throws(SyncError) {
        let previous = base.function(forID: answer.id)
        let stored: FunctionFiles
        do {
            stored = try FunctionFiles(answer)
        } catch {
            report.failures.append(
                .init(workflow: FunctionFiles.folderPath(folder), reason: "written, but Kapso's answer is unusable: \(error)"))
            return
        }
        if stored.hashes == functions.hashes[folder] {
            recordFunction(answer, files: stored.hashes, previous: previous)
        } else {
            report.warnings.append(
                "\(FunctionFiles.folderPath(folder)): Kapso stored it differently from what was sent; its form is recorded in git")
            try await takeFunctionFiles(FetchedFunction(function: answer, files: stored), previous: previous)
        }
        let deployed = await deployFunction(id: answer.id, folder: folder)
        report.functions.append(
            .init(slug: stored.slug, id: answer.id, kind: kind, lockVersion: answer.lockVersion, isNew: isNew, deployed: deployed))
    }

    /// Both sides hold the same content. When git asked for it (its files moved from the base) and Kapso
    /// has not deployed it, as after a write whose deployment never happened, it is deployed now.
    private mutating func adoptFunction(id: String, folder: String) async throws(SyncError) {
        guard let fetched = functions.remote[id] else { return }
        let previous = base.function(forID: id)
        recordFunction(fetched.function, files: fetched.files.hashes, previous: previous)
        let askedByGit = previous == nil || previous?.files != fetched.files.hashes
        var deployed = false
        if askedByGit, fetched.function.hasUndeployedChanges { deployed = await deployFunction(id: id, folder: folder) }
        report.functions.append(
            .init(
                slug: folder, id: id, kind: .adopted, lockVersion: fetched.function.lockVersion, isNew: previous == nil, deployed: deployed)
        )
    }

    /// Starts the deployment (`functions.deploy`); a failure is reported as such and retried next cycle.
    private mutating func deployFunction(id: String, folder: String) async -> Bool {
        guard configuration.functions.deploy, !dryRun else { return false }
        do {
            try await client.deployFunction(id: id)
            state.pendingDeploys?.remove(id)
            return true
        } catch {
            state.pendingDeploys = (state.pendingDeploys ?? []).union([id])
            report.failures.append(
                .init(workflow: FunctionFiles.folderPath(folder), reason: "saved in Kapso but not deployed (retried next cycle): \(error)"))
            return false
        }
    }

    /// Deployments that failed before, made again while Kapso holds what this service wrote (the base);
    /// one changed in Kapso since is a person's to deploy.
    private mutating func redeployPending() async throws(SyncError) {
        guard let pending = state.pendingDeploys, !pending.isEmpty, !dryRun else { return }
        for id in pending.sorted() {
            guard let entry = base.function(forID: id),
                let summary = functions.listed.first(where: { $0.id == id }),
                Self.functionVersion(summary.lockVersion, summary.updatedAt) == Self.functionVersion(entry.lockVersion, entry.updatedAt)
            else {
                state.pendingDeploys?.remove(id)
                continue
            }
            if await deployFunction(id: id, folder: entry.slug) {
                report.warnings.append("\(FunctionFiles.folderPath(entry.slug)): deployed now; its deployment had failed before")
            }
        }
    }

    private mutating func functionConflict(id: String, folder: String, reason: String) {
        let fetched = functions.remote[id]
        report.conflicts.append(
            .init(
                workflow: FunctionFiles.folderPath(folder), reason: reason,
                branch: fetched == nil ? nil : FunctionConflictBranch.name(folder)))
        if let fetched { functions.conflicts.append(FunctionConflict(folder: folder, reason: reason, kapso: fetched)) }
    }

    private mutating func removeFunctionFolder(id: String, folder: String) {
        for path in functions.blobs[folder, default: [:]].keys.sorted() { outcome.changes.append(.remove(path: path)) }
        outcome.remoteMap.removeFunction(slug: folder)
        report.functions.append(.init(slug: folder, id: id, kind: .removed, lockVersion: nil))
    }
}
