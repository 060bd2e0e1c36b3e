import GitStore
import WorkflowMerge
import WorkflowRepo

/// Kapso's version of a workflow in conflict, to be committed on its own branch.
struct ConflictBranch: Sendable {
    let id: String
    let folder: String
    let reason: String
    let remote: RemoteVersion
    /// What a merge found: the fields in conflict, each side's changes, the last commit in sync.
    var findings: MergeFindings

    var name: String { "\(ConflictBranch.prefix)\(folder)" }
    var reference: String { "refs/heads/\(name)" }
    static let prefix = "kapso-gitsync/conflict/"
}

extension Cycle {
    /// Records a conflict. Neither side is overwritten: the branch keeps its files, Kapso keeps its
    /// version, and Kapso's version goes on `kapso-gitsync/conflict/<folder>` for a person to merge.
    mutating func conflict(id: String, folder: String, reason: String, findings: MergeFindings = MergeFindings()) async throws(SyncError) {
        let entry = CycleReport.Conflict(
            workflow: folder, reason: reason, branch: remote[id] == nil ? nil : "\(ConflictBranch.prefix)\(folder)",
            details: findings.conflicts, gitChanges: findings.gitChanges, kapsoChanges: findings.kapsoChanges)
        report.conflicts.append(entry)
        guard let fetched = remote[id] else { return }
        outcome.conflictBranches.append(ConflictBranch(id: id, folder: folder, reason: reason, remote: fetched, findings: findings))
    }

    /// Writes each conflict's branch, and deletes the branches of conflicts that are gone when nothing on
    /// them is missing from main. A new branch starts at the last commit where the workflow was in sync
    /// (so its pull request shows Kapso's change alone), with Kapso's version and the base moved to it:
    /// merging it, whatever way, makes the next cycle push the result. A branch that already carries this
    /// Kapso version is left as it is, with whatever a person committed on it; when Kapso changed again,
    /// a commit goes on top of theirs. Only a branch main's history already holds is started afresh.
    mutating func writeConflictBranches() async throws(SyncError) {
        guard !dryRun else { return }
        do {
            let mainHead = report.commit ?? head
            try await deleteResolvedBranches(mainHead: mainHead)
            guard let mainHead, !outcome.conflictBranches.isEmpty else { return }
            for branch in outcome.conflictBranches {
                let existing = try await git.resolve(reference: branch.reference)
                let commit: ObjectID
                if let existing, !(try await isInHistory(existing, of: mainHead)) {
                    guard let tipMap = try await remoteMap(in: try await git.tree(ofCommit: existing)) else {
                        report.warnings.append(
                            "\(branch.name): its \(RepositoryLayout.remoteMap) cannot be read, so Kapso's newer version was not added to it"
                        )
                        continue
                    }
                    if carries(tipMap, branch) { continue }
                    commit = try await commitOnTop(of: existing, tipMap: tipMap, branch)
                } else {
                    commit = try await startBranch(branch, mainHead: mainHead)
                }
                try await git.updateReference(branch.reference, to: commit, expected: existing, logMessage: "kapso-gitsync: conflict")
                engine.logger.info(
                    "conflict branch written",
                    metadata: [
                        "gitsync.workflow_id": "\(branch.id)", "gitsync.branch": "\(branch.name)", "gitsync.commit": "\(commit.short)",
                    ])
            }
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw error as! SyncError
        }
    }

    private mutating func deleteResolvedBranches(mainHead: ObjectID?) async throws {
        let prefix = "refs/heads/\(ConflictBranch.prefix)"
        let inConflict = Set(report.conflicts.map(\.workflow))
        var branches: [ConflictBranchPlanner.Branch] = []
        for reference in try await git.references(withPrefix: prefix) {
            let folder = String(reference.dropFirst(prefix.count))
            guard let tip = try await git.resolve(reference: reference) else { continue }
            // What is on a branch whose conflict is open does not matter: it stays.
            let holdsNothingMainLacks = inConflict.contains(folder) ? false : try await mainHolds(tip, mainHead: mainHead)
            branches.append(.init(folder: folder, holdsNothingMainLacks: holdsNothingMainLacks))
        }
        let decision = ConflictBranchPlanner.afterCycle(
            branches, inConflict: inConflict,
            unread: Set(untouchable.compactMap { base.entry(forID: $0)?.slug })
                .union(functions.untouchable.compactMap { base.function(forID: $0).map { FunctionFiles.folderPath($0.slug) } }))
        for folder in decision.delete { try await git.deleteReference(prefix + folder) }
        for folder in decision.keep {
            report.warnings.append(
                "\(ConflictBranch.prefix)\(folder): its conflict is gone, but it has commits that are not in \(configuration.branch);"
                    + " delete it once they are not needed")
        }
    }

    /// Whether deleting a branch at `tip` loses nothing: main's history holds it, it holds only this
    /// service's commits on a commit of main, or merging it into main changes nothing (it was squashed in).
    private func mainHolds(_ tip: ObjectID, mainHead: ObjectID?) async throws -> Bool {
        guard let mainHead else { return false }
        var commit = tip
        for _ in 0..<Self.historyLimit {
            if try await isInHistory(commit, of: mainHead) { return true }
            let info = try await git.commitInfo(commit)
            guard !CommitMessage.conflictIDs(in: info.message).isEmpty, info.parents.count == 1, let parent = info.parents.first
            else { break }
            commit = parent
        }
        return try await git.mergedTree(ours: mainHead, theirs: tip) == git.tree(ofCommit: mainHead)
    }

    private func isInHistory(_ commit: ObjectID, of head: ObjectID) async throws(GitError) -> Bool {
        if commit == head { return true }
        return try await git.isDescendant(head, of: commit)
    }

    /// Whether a branch's remote-map already records this Kapso version for the workflow.
    private func carries(_ map: RemoteMap, _ branch: ConflictBranch) -> Bool {
        guard let entry = map.entry(forID: branch.id) else { return false }
        return entry.lockVersion == branch.remote.workflow.lockVersion && entry.files == branch.remote.hashes
    }

    /// A new conflict branch: one commit with Kapso's version, on the last commit where the workflow was
    /// in sync when main's history holds it and records the same base entry as main does now (so the
    /// remote-map merges cleanly); on main's head otherwise.
    private mutating func startBranch(_ branch: ConflictBranch, mainHead: ObjectID) async throws -> ObjectID {
        let mainMap = report.commit == nil ? committedBase : outcome.remoteMap
        var fork = mainHead
        var forkMap = mainMap
        if let entry = base.entry(forID: branch.id) {
            var point = branch.findings.forkPoint
            if point == nil { point = try await inSyncVersion(of: entry, in: try await branchHistory())?.commit.id }
            if let point, point != mainHead, try await isInHistory(point, of: mainHead),
                let map = try await remoteMap(in: try await git.tree(ofCommit: point)),
                map.entry(forID: branch.id) == mainMap.entry(forID: branch.id)
            {
                fork = point
                forkMap = map
            }
        }
        let previous = forkMap.entry(forID: branch.id)
        forkMap.set(branch.remote.baseEntry(id: branch.id, keeping: previous))
        var changes = branch.remote.blobs.map { TreeChange.upsert(path: $0.key, blob: $0.value) }
        // A slug changed in Kapso moves the folder on the branch too: merged, the old folder would stay
        // behind with no base entry and be created again as a second workflow.
        let forkTree = try await git.tree(ofCommit: fork)
        changes += try await removals(of: previous, keeping: branch.remote.blobs, in: forkTree)
        changes.append(.upsert(path: RepositoryLayout.remoteMap, blob: try await git.writeBlob(forkMap.canonicalBytes())))
        let tree = try await git.updateTree(base: forkTree, changes: changes.map(configuration.root.inRepository))
        let workflow = branch.remote.workflow
        let message = CommitMessage.conflict(
            folder: branch.folder, name: workflow.name, id: branch.id, lockVersion: workflow.lockVersion,
            details: .init(
                reason: branch.reason, conflicts: branch.findings.conflicts, gitChanges: branch.findings.gitChanges,
                kapsoChanges: branch.findings.kapsoChanges),
            branch: configuration.branch, forkedFromSync: fork != mainHead)
        return try await git.commit(tree: tree, parents: [fork], message: message, author: configuration.author)
    }

    /// Kapso changed again while a branch holds a person's commits: Kapso's new version goes on top of
    /// theirs, merged with their edits on the branch (against the Kapso version the branch had) when the
    /// two do not touch the same fields; Kapso's version as it is otherwise, their edits staying in the
    /// branch's history.
    private mutating func commitOnTop(of tip: ObjectID, tipMap: RemoteMap, _ branch: ConflictBranch) async throws -> ObjectID {
        let tipTree = try await git.tree(ofCommit: tip)
        let previous = tipMap.entry(forID: branch.id)
        var files = branch.remote.blobs
        var conflicts: [String] = []
        var merged = false
        if let previous, previous.slug == branch.remote.workflow.slug,
            let prior = try await inSyncVersion(of: previous, in: try await git.history(from: [tip], limit: Self.historyLimit)),
            let onBranch = try await workflow(at: previous.slug, in: tipTree),
            let theirs = try await pastWorkflow(folder: previous.slug, blobs: branch.remote.blobs)
        {
            switch WorkflowMerge.merge(base: .init(prior.workflow), ours: .init(onBranch), theirs: .init(theirs)) {
            case .merged(let result):
                if let workflow = try? LocalWorkflow.merged(result, folder: previous.slug) {
                    files = try await blobs(of: workflow.files)
                    merged = true
                }
            case .conflicts(let found):
                conflicts = found.map(\.description)
            }
        }
        var map = tipMap
        map.set(branch.remote.baseEntry(id: branch.id, keeping: previous))
        var changes = files.map { TreeChange.upsert(path: $0.key, blob: $0.value) }
        changes += try await removals(of: previous, keeping: files, in: tipTree)
        changes.append(.upsert(path: RepositoryLayout.remoteMap, blob: try await git.writeBlob(map.canonicalBytes())))
        let tree = try await git.updateTree(base: tipTree, changes: changes.map(configuration.root.inRepository))
        let message = CommitMessage.conflictUpdate(
            folder: branch.folder, id: branch.id, lockVersion: branch.remote.workflow.lockVersion, merged: merged, conflicts: conflicts,
            branch: configuration.branch)
        return try await git.commit(tree: tree, parents: [tip], message: message, author: configuration.author)
    }

    /// Removals of the files `previous` (a base entry) names that `kept` does not and `tree` holds. The
    /// entry names the folder both sides last agreed on; git may have moved or removed it since (a
    /// `git mv` before the fork), and removing what a tree does not hold fails the whole tree update.
    private func removals(
        of previous: RemoteMap.Entry?, keeping kept: [String: ObjectID], in tree: ObjectID
    ) async throws(GitError) -> [TreeChange] {
        var changes: [TreeChange] = []
        for path in (previous?.files.keys).map(Array.init) ?? [] where kept[path] == nil {
            if try await git.blobID(atPath: configuration.root.inRepository(path), inTree: tree) != nil {
                changes.append(.remove(path: path))
            }
        }
        return changes.sorted { $0.path < $1.path }
    }

    /// The workflow in a folder of a past tree; nil when it is not there or cannot be read.
    private func workflow(at folder: String, in tree: ObjectID) async throws(GitError) -> LocalWorkflow? {
        guard let slug = try? Slug(folder) else { return nil }
        let paths = RepositoryLayout.ownedPaths(slug)
        var blobs: [String: ObjectID] = [:]
        for path in paths { blobs[path] = try await blob(at: path, in: tree) }
        guard blobs.count == paths.count else { return nil }
        return try await pastWorkflow(folder: folder, blobs: blobs)
    }
}
