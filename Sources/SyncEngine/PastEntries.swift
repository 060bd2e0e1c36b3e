import GitStore
import WorkflowRepo

/// Workflows' remote-map entries in the branch's past commits, each version of the map read once, and
/// how those commits are related: what recognising a resolution asks of history.
struct PastEntries {
    private let commits: [ObjectID: HistoryCommit]
    private var maps: [ObjectID: RemoteMap] = [:]
    private let root: ProjectRoot

    init(history: [HistoryCommit], root: ProjectRoot) {
        self.root = root
        commits = Dictionary(history.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The workflow's entry in the commit's remote-map; nil when the commit is outside the history read,
    /// has no map, or its map cannot be read (a person's broken merge of it: that commit tells nothing).
    mutating func entry(_ id: String, at commit: ObjectID, git: GitStore) async throws(SyncError) -> RemoteMap.Entry? {
        guard let tree = commits[commit]?.tree else { return nil }
        do {
            guard let blob = try await git.blobID(atPath: root.inRepository(RepositoryLayout.remoteMap), inTree: tree) else { return nil }
            if let map = maps[blob] { return map.entry(forID: id) }
            guard let map = try? RemoteMap(bytes: try await git.readBlob(blob)) else { return nil }
            maps[blob] = map
            return map.entry(forID: id)
        } catch {
            throw .git(error)
        }
    }

    /// The commits of `head`'s first-parent line, from `head` back, for as long as each records `entry`
    /// for its workflow: the stretch of main's history in which that entry did not change.
    mutating func firstParentsKeeping(
        _ entry: RemoteMap.Entry, from head: ObjectID?, git: GitStore
    ) async throws(SyncError)
        -> Set<ObjectID>
    {
        var kept = Set<ObjectID>()
        var next = head
        while let commit = next, let recorded = try await self.entry(entry.id, at: commit, git: git),
            recorded.isSameVersion(as: entry)
        {
            kept.insert(commit)
            next = commits[commit]?.parents.first
        }
        return kept
    }

    /// The commit's ancestors within the history read, itself excluded.
    func ancestors(of commit: HistoryCommit) -> Set<ObjectID> {
        var found = Set<ObjectID>()
        var pending = commit.parents
        while let parent = pending.popLast() {
            guard found.insert(parent).inserted, let known = commits[parent] else { continue }
            pending.append(contentsOf: known.parents)
        }
        return found
    }
}
