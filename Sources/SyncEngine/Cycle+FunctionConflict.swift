import GitStore
import WorkflowRepo

/// The branches that hold Kapso's version of a function in conflict:
/// `kapso-gitsync/conflict/functions/<slug>`, among the workflows' conflict branches (named by their
/// folder, `functions/<slug>`), so that they are fetched, pushed and deleted once resolved as those are.
enum FunctionConflictBranch {
    static func name(_ folder: String) -> String { ConflictBranch.prefix + FunctionFiles.folderPath(folder) }
}

extension Cycle {
    /// Writes each function conflict's branch: one commit on main's head with Kapso's files and the base
    /// entry moved to Kapso's version, so that merging it makes the next cycle push the result. A branch
    /// that already carries this Kapso version is left as it is, with whatever a person committed on it;
    /// when Kapso changed again, a commit goes on top. (Branches whose conflict is gone are deleted with
    /// the workflows', by `writeConflictBranches`.)
    mutating func writeFunctionConflictBranches() async throws(SyncError) {
        guard !dryRun, let mainHead = report.commit ?? head else { return }
        do {
            for conflict in functions.conflicts {
                let (folder, fetched) = (conflict.folder, conflict.kapso)
                let reference = "refs/heads/\(FunctionConflictBranch.name(folder))"
                let existing = try await git.resolve(reference: reference)
                var parent = mainHead
                if let existing, existing != mainHead, !(try await git.isDescendant(mainHead, of: existing)) {
                    parent = existing
                } else if let fork = try await functionForkPoint(id: fetched.function.id) {
                    parent = fork
                }
                let parentTree = try await git.tree(ofCommit: parent)
                var map = try await remoteMap(in: parentTree) ?? outcome.remoteMap
                let previous = map.function(forID: fetched.function.id)
                if parent == existing, let previous, previous.lockVersion == fetched.function.lockVersion,
                    previous.files == fetched.files.hashes
                {
                    continue
                }
                var extra = previous?.extra ?? [:]
                extra["lastDeployedAt"] = fetched.function.lastDeployedAt.map { .string($0) } ?? .null
                map.setFunction(
                    RemoteMap.Entry(
                        id: fetched.function.id, slug: fetched.files.slug, lockVersion: fetched.function.lockVersion,
                        status: fetched.function.status, updatedAt: fetched.function.updatedAt, files: fetched.files.hashes, extra: extra))
                var changes: [TreeChange] = []
                for (path, bytes) in fetched.files.byPath { changes.append(.upsert(path: path, blob: try await git.writeBlob(bytes))) }
                if let previous, previous.slug != fetched.files.slug {
                    for path in previous.files.keys.sorted() { changes.append(.remove(path: path)) }
                }
                changes.append(.upsert(path: RepositoryLayout.remoteMap, blob: try await git.writeBlob(map.canonicalBytes())))
                let tree = try await git.updateTree(base: parentTree, changes: changes.map(configuration.root.inRepository))
                let message = CommitMessage.functionConflict(
                    folder: folder, name: fetched.function.name, id: fetched.function.id, lockVersion: fetched.function.lockVersion,
                    reason: conflict.reason, branch: configuration.branch)
                let commit = try await git.commit(tree: tree, parents: [parent], message: message, author: configuration.author)
                do {
                    try await git.updateReference(reference, to: commit, expected: existing, logMessage: "kapso-gitsync: function conflict")
                } catch {
                    // A workflow whose slug is `functions` holds the name `kapso-gitsync/conflict/functions`.
                    report.warnings.append("\(FunctionConflictBranch.name(folder)) cannot be written: \(error)")
                    continue
                }
                engine.logger.info(
                    "function conflict branch written",
                    metadata: [
                        "gitsync.function_id": "\(fetched.function.id)", "gitsync.branch": "\(FunctionConflictBranch.name(folder))",
                        "gitsync.commit": "\(commit.short)",
                    ])
            }
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw error as! SyncError
        }
    }

    /// The newest commit of main's history where git held the function as the base records it, and
    /// whose remote-map records the same entry as main does now: the branch starts there, so that
    /// merging it is a three-way merge of git's and Kapso's edits (its diff is Kapso's change alone).
    private mutating func functionForkPoint(id: String) async throws -> ObjectID? {
        guard let entry = base.function(forID: id) else { return nil }
        let mainMap = report.commit == nil ? committedBase : outcome.remoteMap
        var tried = Set<[ObjectID]>()
        for commit in try await branchHistory() {
            var blobs: [ObjectID] = []
            for path in entry.files.keys.sorted() {
                guard let blob = try await blob(at: path, in: commit.tree) else { break }
                blobs.append(blob)
            }
            guard blobs.count == entry.files.count, tried.insert(blobs).inserted else { continue }
            var hashes: [String: String] = [:]
            for (path, blob) in zip(entry.files.keys.sorted(), blobs) { hashes[path] = FileHash.sha256(try await git.readBlob(blob)) }
            guard hashes == entry.files else { continue }
            guard let map = try await remoteMap(in: commit.tree), map.function(forID: id) == mainMap.function(forID: id) else {
                return nil
            }
            return commit.id
        }
        return nil
    }
}
