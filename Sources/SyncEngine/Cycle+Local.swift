import GitStore
import WorkflowRepo

/// The workflow folders on the branch, each either the hashes of its files' canonical form or why
/// it cannot be read.
struct LocalSnapshot: Sendable {
    var states: [String: ReconcilePlanner.Local] = [:]
    var blobs: [String: [String: ObjectID]] = [:]

    /// Makes each folder's hashes that equal its base entry's share that entry's storage: every cycle
    /// compares them, and two dictionaries that share storage compare in constant time. At 10,000
    /// workflows the comparisons were a fifth of an idle cycle inside `run`.
    mutating func shareHashes(with base: RemoteMap) {
        var shared: [(folder: String, hashes: [String: String])] = []
        let baseEntries = base.workflows
        for (folder, state) in states {
            guard case .files(let hashes) = state, let baseFiles = Self.baseCopy(of: hashes, folder: folder, in: baseEntries) else {
                continue
            }
            shared.append((folder, baseFiles))
        }
        // Replaced after the walk: a dictionary changed while it is iterated is copied whole first.
        for (folder, hashes) in shared { states[folder] = .files(hashes: hashes) }
    }

    /// The base entry's hashes of `folder` when they equal `hashes`: the same values, in storage the
    /// base already holds.
    static func baseCopy(of hashes: [String: String], folder: String, in base: [String: RemoteMap.Entry]) -> [String: String]? {
        guard let baseFiles = base[folder]?.files, baseFiles == hashes else { return nil }
        return baseFiles
    }
}

extension Cycle {
    /// Reads the workflow folders of the head. A folder whose blobs are the ones recorded in the state
    /// is not read again: a blob id fixes the content, and so the canonical hashes.
    mutating func readLocal() async throws(SyncError) {
        guard let baseTree else {
            // No tree, no folders: records of none describe it whole.
            state.localFiles = [:]
            localRecordsWhole = true
            return
        }
        let files: [String: ObjectID]
        let workflowsTree: ObjectID?
        do {
            workflowsTree = try await git.treeID(
                atPath: configuration.root.inRepository(RepositoryLayout.workflowsFolder), inTree: baseTree)
            if let workflowsTree, let cached = engine.cache.withLock({ $0.local }), cached.tree == workflowsTree {
                local = cached.snapshot
                outcome.localAfter = local
                localRecordsWhole = state.localTree == workflowsTree.hex
                return
            }
            if let workflowsTree, state.localTree == workflowsTree.hex, let recorded = recordedSnapshot() {
                localRecordsWhole = true
                local = recorded
                outcome.localAfter = local
                let snapshot = local
                engine.cache.withLock { $0.local = (workflowsTree, snapshot) }
                return
            }
            let root = configuration.root
            files = Dictionary(
                try await git.files(inTree: baseTree, under: root.inRepository(RepositoryLayout.workflowsFolder))
                    .compactMap { path, blob in root.inProject(path).map { ($0, blob) } },
                uniquingKeysWith: { first, _ in first })
        } catch {
            throw .git(error)
        }
        let folders = RepositoryLayout.workflowFilesByFolder(files)
        for (folder, blobs) in folders {
            local.blobs[folder] = blobs
            let recordedBlobs = blobs.mapValues(\.hex)
            if let record = state.localFiles[folder], record.blobs == recordedBlobs {
                local.states[folder] = .files(hashes: record.hashes)
                continue
            }
            do {
                let workflow = try await readWorkflow(folder: folder, blobs: blobs)
                let hashes = workflow.hashes
                local.states[folder] = .files(hashes: hashes)
                state.localFiles[folder] = .init(blobs: recordedBlobs, hashes: hashes)
            } catch let error as LayoutError {
                if case .slugDiffersFromFolder(_, let slug, _) = error {
                    local.states[folder] = .moved(from: slug, reason: error.description)
                } else {
                    local.states[folder] = .invalid(reason: error.description)
                }
            } catch let error as GitError {
                throw .git(error)
            } catch {
                throw .state("\(error)")
            }
        }
        state.localFiles = state.localFiles.filter { folders[$0.key] != nil }
        // Every folder read and valid: the records describe this tree whole, and the next process need
        // not walk its folders (at 10,000 workflows, a fifth of an idle `sync`).
        let allRecorded = local.states.values.allSatisfy { if case .files = $0 { true } else { false } }
        state.localTree = allRecorded ? workflowsTree?.hex : nil
        localRecordsWhole = allRecorded && workflowsTree != nil
        local.shareHashes(with: base)
        outcome.localAfter = local
        if let workflowsTree {
            let snapshot = local
            engine.cache.withLock { $0.local = (workflowsTree, snapshot) }
        }
    }

    /// After a commit on a tree the records described whole: they describe the new `workflows/` tree
    /// whole when every folder the commit touched is recorded with exactly the blobs it now has (the
    /// others are the same subtrees as before), so that the next process need not walk it either.
    mutating func recordCommittedTree(_ commitTree: ObjectID, workflowsTree: ObjectID, changes: [TreeChange]) async throws(GitError) {
        guard localRecordsWhole else { return }
        let prefix = RepositoryLayout.workflowsFolder + "/"
        var touched: Set<String> = []
        for change in changes where change.path.hasPrefix(prefix) {
            let rest = change.path.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") { touched.insert(String(rest[..<slash])) }
        }
        let root = configuration.root
        let files = try await git.files(
            inTree: commitTree, under: root.inRepository(RepositoryLayout.workflowsFolder), inFolders: Array(touched))
        let inProject = Dictionary(
            files.compactMap { path, blob in root.inProject(path).map { ($0, blob) } }, uniquingKeysWith: { a, _ in a })
        let folders = RepositoryLayout.workflowFilesByFolder(inProject)
        // Nothing changes unless all holds: records that stop describing one tree must not be kept as if
        // they described another.
        var records = state.localFiles
        for folder in touched {
            guard let blobs = folders[folder] else {
                records.removeValue(forKey: folder)
                continue
            }
            guard records[folder]?.blobs == blobs.mapValues(\.hex) else { return }
        }
        state.localFiles = records
        state.localTree = workflowsTree.hex
    }

    /// The snapshot of a tree whose folders the state records whole (`SyncState.localTree`); nil if a
    /// record does not read back. Hashes equal to the base entry's share its storage, as
    /// `LocalSnapshot.shareHashes` makes them, in the same pass.
    func recordedSnapshot() -> LocalSnapshot? {
        var snapshot = LocalSnapshot()
        snapshot.states.reserveCapacity(state.localFiles.count)
        snapshot.blobs.reserveCapacity(state.localFiles.count)
        let baseEntries = base.workflows
        for (folder, record) in state.localFiles {
            var blobs: [String: ObjectID] = [:]
            for (path, hex) in record.blobs {
                guard let blob = ObjectID(hex: hex) else { return nil }
                blobs[path] = blob
            }
            snapshot.blobs[folder] = blobs
            snapshot.states[folder] = .files(
                hashes: LocalSnapshot.baseCopy(of: record.hashes, folder: folder, in: baseEntries) ?? record.hashes)
        }
        return snapshot
    }

    /// `movedFrom`: the folder was recognised as that workflow's, moved (see `LocalWorkflow.read`). Both
    /// files are read in one hop onto the store's queue.
    func readWorkflow(folder: String, blobs: [String: ObjectID], movedFrom: String? = nil) async throws -> LocalWorkflow {
        let prefix = "\(RepositoryLayout.workflowsFolder)/\(folder)/"
        let definitionBlob = blobs[prefix + "definition.json"]
        let yamlBlob = blobs[prefix + "workflow.yaml"]
        var contents = try await git.readBlobs([definitionBlob, yamlBlob].compactMap { $0 })[...]
        let definition = definitionBlob == nil ? nil : contents.popFirst()
        let yaml = yamlBlob == nil ? nil : contents.popFirst()
        return try LocalWorkflow.read(folder: folder, definitionJSON: definition, workflowYAML: yaml, movedFrom: movedFrom)
    }
}
