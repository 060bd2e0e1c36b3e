import GitStore
import WorkflowRepo

extension Cycle {
    /// Reads, for the workflows these actions touch, what their source file is (`WorkflowSource`); only
    /// entries that record one cost a read.
    mutating func loadSources(for actions: [ReconcilePlanner.Action]) async throws(SyncError) {
        for action in actions {
            let id: String
            switch action {
            case .pull(let actionID), .adopt(let actionID), .push(let actionID, _), .rename(let actionID, _, _), .merge(let actionID, _):
                id = actionID
            default: continue
            }
            guard sources[id] == nil, let entry = base.entry(forID: id), let path = WorkflowSource.path(in: entry.extra) else { continue }
            do throws(GitError) {
                var hash: String?
                if let blob = try await blob(at: path, in: baseTree) { hash = FileHash.sha256(try await git.readBlob(blob)) }
                sources[id] = WorkflowSource.classify(extra: entry.extra, fileHash: hash)
            } catch {
                throw .git(error)
            }
        }
    }

    /// Why a change made in git cannot be sent: its source is authored and did not change with it, so
    /// the next `kapso push` by a person would compile the old source over what this cycle sent.
    func authoredSourceRefusal(id: String) -> String? {
        guard case .authored(let path, unchanged: true)? = sources[id] else { return nil }
        return "the workflow changed in git but \(path) (the source the Kapso CLI compiles) did not: run `kapso build` "
            + "(or edit \(path)) and commit both, or the next `kapso push` reverts this change"
    }

    /// After the workflow's files changed (pulled from Kapso, or pushed from git): a generated
    /// `workflow.js` is removed with its remote-map fields, so that the CLI's next pull writes it
    /// again from the new definition; an authored one is left alone, and reported. Answers the line
    /// for the commit message.
    mutating func settleSource(id: String, folder: String, pulled: Bool) -> String? {
        guard !settledSources.contains(id), let source = sources[id] else { return nil }
        settledSources.insert(id)
        switch source {
        case .none:
            return nil
        case .generated(let path):
            outcome.changes.append(.remove(path: path))
            if var entry = outcome.remoteMap.entry(forID: id) {
                entry.extra = WorkflowSource.withoutSource(entry.extra)
                outcome.remoteMap.set(entry)
            }
            return "\(path) removed: it was generated from the previous version (kapso pull writes it again)"
        case .authored(let path, _):
            guard pulled else { return nil }
            let warning =
                "\(path) is authored and was not changed: bring Kapso's change into it (or the next `kapso push` reverts it)"
            report.warnings.append("\(folder): \(warning)")
            return warning
        }
    }
}
