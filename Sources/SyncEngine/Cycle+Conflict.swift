import GitStore
import WorkflowRepo

/// Kapso's version of a workflow in conflict, to be committed on its own branch.
struct ConflictBranch: Sendable {
    let id: String
    let folder: String
    let reason: String
    let remote: RemoteVersion

    var name: String { "\(ConflictBranch.prefix)\(folder)" }
    var reference: String { "refs/heads/\(name)" }
    static let prefix = "kapso-gitsync/conflict/"
}

extension Cycle {
    /// Records a conflict. Neither side is overwritten: the branch keeps its files, Kapso keeps its
    /// version, and Kapso's version goes on `kapso-gitsync/conflict/<folder>` for a person to merge.
    mutating func conflict(id: String, folder: String, reason: String) async throws(SyncError) {
        guard let fetched = remote[id] else {
            report.conflicts.append(.init(workflow: folder, reason: reason, branch: nil))
            return
        }
        let branch = ConflictBranch(id: id, folder: folder, reason: reason, remote: fetched)
        outcome.conflictBranches.append(branch)
        report.conflicts.append(.init(workflow: folder, reason: reason, branch: branch.name))
    }

    /// Commits each conflict's Kapso version on top of the branch, with the base for that workflow
    /// moved to Kapso's lock_version: merging it (with whatever resolution) makes the next cycle push
    /// the result. A conflict branch that already holds this Kapso version is left as it is; the
    /// branches of conflicts that are gone are deleted.
    mutating func writeConflictBranches() async throws(SyncError) {
        guard !dryRun else { return }
        do {
            let prefix = "refs/heads/\(ConflictBranch.prefix)"
            let existing = try await git.references(withPrefix: prefix).map { String($0.dropFirst(prefix.count)) }
            let gone = ConflictBranchPlanner.toDelete(
                existing: existing, inConflict: Set(report.conflicts.map(\.workflow)),
                unread: Set(untouchable.compactMap { base.entry(forID: $0)?.slug }))
            for folder in gone { try await git.deleteReference(prefix + folder) }
            guard !outcome.conflictBranches.isEmpty, let mainHead = report.commit ?? head else { return }
            let mainTree = try await git.tree(ofCommit: mainHead)
            for branch in outcome.conflictBranches {
                let existing = try await git.resolve(reference: branch.reference)
                if let existing, try await holdsKapsoVersion(existing, branch) { continue }
                var map = outcome.remoteMap
                let workflow = branch.remote.workflow
                map.set(
                    RemoteMap.Entry(
                        id: branch.id, slug: workflow.slug, lockVersion: workflow.lockVersion, status: workflow.status,
                        updatedAt: workflow.updatedAt, files: branch.remote.hashes, extra: map.entry(forID: branch.id)?.extra ?? [:]))
                var treeChanges = branch.remote.blobs.map { TreeChange.upsert(path: $0.key, blob: $0.value) }
                // A slug changed in Kapso moves the folder on the branch too: merged, the old folder would
                // stay behind with no base entry and be created again as a second workflow.
                if let previous = base.entry(forID: branch.id), previous.slug != workflow.slug {
                    for path in local.blobs[previous.slug, default: [:]].keys.sorted() where branch.remote.blobs[path] == nil {
                        treeChanges.append(.remove(path: path))
                    }
                }
                treeChanges.append(.upsert(path: RepositoryLayout.remoteMap, blob: try await git.writeBlob(map.canonicalBytes())))
                let tree = try await git.updateTree(base: mainTree, changes: treeChanges)
                let message = CommitMessage.conflict(
                    folder: branch.folder, name: workflow.name, id: branch.id, lockVersion: workflow.lockVersion, reason: branch.reason,
                    branch: configuration.branch)
                let commit = try await git.commit(tree: tree, parents: [mainHead], message: message, author: configuration.author)
                try await git.updateReference(branch.reference, to: commit, expected: existing, logMessage: "kapso-gitsync: conflict")
                engine.logger.info(
                    "conflict branch written",
                    metadata: [
                        "gitsync.workflow_id": "\(branch.id)", "gitsync.branch": "\(branch.name)", "gitsync.commit": "\(commit.short)",
                    ])
            }
        } catch {
            throw .git(error)
        }
    }

    /// Whether the branch's tip already carries this Kapso version (same files, same lock_version).
    private func holdsKapsoVersion(_ tip: ObjectID, _ branch: ConflictBranch) async throws(GitError) -> Bool {
        let tree = try await git.tree(ofCommit: tip)
        for (path, blob) in branch.remote.blobs where try await git.blobID(atPath: path, inTree: tree) != blob {
            return false
        }
        guard let bytes = try await git.readFile(atPath: RepositoryLayout.remoteMap, inTree: tree),
            let map = try? RemoteMap(bytes: bytes)
        else { return false }
        return map.entry(forID: branch.id)?.lockVersion == branch.remote.workflow.lockVersion
    }
}
