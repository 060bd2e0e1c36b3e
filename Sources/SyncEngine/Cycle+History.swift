import GitStore
import WorkflowRepo

extension Cycle {
    /// How far back a merge looks for the last version both sides had, and for merged conflict branches.
    /// The service commits every cycle, so a common version older than this is not a recent conflict's.
    static let historyLimit = 1000

    /// The branch's history from the head, newest first, read once per cycle.
    mutating func branchHistory() async throws(SyncError) -> [HistoryCommit] {
        if let history { return history }
        guard let head else { return [] }
        do {
            let commits = try await git.history(from: [head], limit: Self.historyLimit)
            history = commits
            return commits
        } catch {
            throw .git(error)
        }
    }

    /// The newest commit of `commits` whose files for the workflow are the ones `entry` records (its last
    /// version in sync), with the workflow as it was there; nil when none of them has it.
    func inSyncVersion(
        of entry: RemoteMap.Entry, in commits: [HistoryCommit]
    ) async throws(SyncError) -> (
        commit: HistoryCommit, workflow: LocalWorkflow
    )? {
        guard let slug = try? Slug(entry.slug) else { return nil }
        let paths = (RepositoryLayout.definitionPath(slug), RepositoryLayout.workflowYAMLPath(slug))
        guard entry.files.keys.sorted() == [paths.0, paths.1].sorted() else { return nil }
        var tried = Set<[ObjectID]>()
        do {
            for commit in commits {
                guard let definition = try await blob(at: paths.0, in: commit.tree),
                    let yaml = try await blob(at: paths.1, in: commit.tree),
                    tried.insert([definition, yaml]).inserted
                else { continue }
                if let workflow = try await pastWorkflow(folder: entry.slug, blobs: [paths.0: definition, paths.1: yaml]),
                    workflow.hashes == entry.files
                {
                    return (commit, workflow)
                }
            }
        } catch {
            throw .git(error)
        }
        return nil
    }

    /// Where a person merged a conflict branch in a way that kept main's remote-map entry (`-s ours`),
    /// the base of those workflows becomes the Kapso version they resolved against
    /// (`ConflictResolution`), so main's files are taken as their answer instead of a conflict again.
    mutating func recognizeResolutions(of ids: Set<String>) async throws(SyncError) {
        guard !ids.isEmpty else { return }
        let history = try await branchHistory()
        var conflictCommits: [String: [HistoryCommit]] = [:]
        for commit in history.reversed() {
            for id in Set(CommitMessage.conflictIDs(in: commit.message)).intersection(ids) {
                conflictCommits[id, default: []].append(commit)
            }
        }
        guard !conflictCommits.isEmpty else { return }
        var reader = PastEntries(history: history, root: configuration.root)
        for (id, commits) in conflictCommits.sorted(by: { $0.key < $1.key }) {
            guard let current = base.entry(forID: id) else { continue }
            var kept: Set<ObjectID>?
            var merged: [ConflictResolution.MergedCommit] = []
            for commit in commits {
                let recorded = try await reader.entry(id, at: commit.id, git: git)
                var startedFrom: RemoteMap.Entry?
                if let parent = commit.parents.first { startedFrom = try await reader.entry(id, at: parent, git: git) }
                var keptSinceFork = false
                if recorded != nil, startedFrom != nil {
                    if kept == nil { kept = try await reader.firstParentsKeeping(current, from: head, git: git) }
                    keptSinceFork = !reader.ancestors(of: commit).isDisjoint(with: kept ?? [])
                }
                merged.append(.init(recorded: recorded, startedFrom: startedFrom, mainKeptItsEntrySinceTheFork: keptSinceFork))
            }
            guard let resolved = ConflictResolution.base(main: current, merged: merged), resolved != current else { continue }
            base.set(resolved)
            outcome.remoteMap.set(resolved)
            engine.logger.info(
                "conflict resolution recognised",
                metadata: ["gitsync.workflow_id": "\(id)", "gitsync.lock_version": "\(resolved.lockVersion.map(String.init) ?? "none")"])
        }
    }

    /// A folder of a past commit read like the head's (`readWorkflow`); nil when it cannot be read.
    func pastWorkflow(folder: String, blobs: [String: ObjectID]) async throws(GitError) -> LocalWorkflow? {
        do {
            return try await readWorkflow(folder: folder, blobs: blobs)
        } catch let error as GitError {
            throw error
        } catch {
            return nil
        }
    }

    /// The remote-map of a past commit; nil when it has none or it cannot be read (a person's broken
    /// merge of it: that commit tells nothing).
    func remoteMap(in tree: ObjectID) async throws(SyncError) -> RemoteMap? {
        do {
            guard let bytes = try await git.readFile(atPath: configuration.root.inRepository(RepositoryLayout.remoteMap), inTree: tree)
            else { return nil }
            return try? RemoteMap(bytes: bytes)
        } catch {
            throw .git(error)
        }
    }
}
