internal import CLibgit2

/// One commit of a history walk: enough to find a file's past version or a trailer without another
/// lookup per commit.
public struct HistoryCommit: Sendable, Equatable {
    public let id: ObjectID
    public let tree: ObjectID
    public let message: String
    public let parents: [ObjectID]
}

extension GitStore {
    /// The commits reachable from `tips`, newest first (a parent never before its child), at most
    /// `limit` of them: one walk in one call, for readers that look back through history.
    public func history(from tips: [ObjectID], limit: Int) throws(GitError) -> [HistoryCommit] {
        guard !tips.isEmpty, limit > 0 else { return [] }
        var walk: OpaquePointer?
        try check("git_revwalk_new", git_revwalk_new(&walk, repository.pointer))
        defer { git_revwalk_free(walk) }
        try check("git_revwalk_sorting", git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue))
        for tip in tips {
            var oid = tip.raw
            try check("git_revwalk_push", git_revwalk_push(walk, &oid))
        }
        var commits: [HistoryCommit] = []
        var oid = git_oid()
        while commits.count < limit {
            let result = git_revwalk_next(&oid, walk)
            if result == GIT_ITEROVER.rawValue { break }
            try check("git_revwalk_next", result)
            var commit: OpaquePointer?
            try check("git_commit_lookup", git_commit_lookup(&commit, repository.pointer, &oid))
            defer { git_commit_free(commit) }
            var parents: [ObjectID] = []
            for index in 0..<git_commit_parentcount(commit) {
                parents.append(ObjectID(git_commit_parent_id(commit, index).pointee))
            }
            commits.append(
                HistoryCommit(
                    id: ObjectID(oid), tree: ObjectID(git_commit_tree_id(commit).pointee),
                    message: git_commit_message(commit).map { String(cString: $0) } ?? "", parents: parents))
        }
        return commits
    }
}

extension GitStore {
    /// The commit a revision names (`HEAD`, `main`, `HEAD~2`, an id, a tag), as `git rev-parse` reads it;
    /// nil when it names nothing.
    public func commit(named revision: String) throws(GitError) -> ObjectID? {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, repository.pointer, revision)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EAMBIGUOUS.rawValue || result == GIT_EINVALIDSPEC.rawValue { return nil }
        try check("git_revparse_single", result)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0 else { return nil }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }
}
