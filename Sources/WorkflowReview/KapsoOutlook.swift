import WorkflowMerge

/// What merging a pull request's change of a workflow will do, given the version Kapso holds now:
/// the warning `review --config` gives. Pure: the command reads Kapso and the two revisions.
public enum KapsoOutlook {
    public enum Kapso: Sendable {
        /// Kapso's version is the one the pull request's base records: nothing to warn about.
        case unchanged
        /// Kapso's version changed since the base.
        case changed(WorkflowMerge.Workflow)
        /// The workflow is gone from Kapso.
        case removed
        /// Kapso answered with something that cannot be turned into files.
        case unreadable(String)
    }

    /// `base`: the workflow at the pull request's base (the version the service last had in sync);
    /// `head`: at its head, nil when the pull request removes it. Nil: nothing to warn about.
    public static func warning(base: WorkflowMerge.Workflow, head: WorkflowMerge.Workflow?, kapso: Kapso, autoMerge: Bool) -> String? {
        switch kapso {
        case .unchanged:
            return nil
        case .removed:
            return "removed in Kapso since the base: merging this will not bring it back (the service reports it as missing)."
        case .unreadable(let reason):
            return "Kapso's current version cannot be read (\(reason)): the service will not sync it until that is fixed."
        case .changed(let theirs):
            let edits = WorkflowChanges.between(base, theirs)
            let edited = edits.isEmpty ? "" : " (" + summary(edits) + ")"
            guard let head else {
                return "changed in Kapso since the base\(edited): removing it here will be a conflict, Kapso's edit is kept."
            }
            if theirs == head { return "Kapso already holds this change: merging it will send nothing." }
            guard autoMerge else {
                return "changed in Kapso since the base\(edited): merging this will be a conflict (`sync.auto_merge` is off)."
            }
            switch WorkflowMerge.merge(base: base, ours: head, theirs: theirs) {
            case .merged:
                return "changed in Kapso since the base\(edited): merging this will be merged with Kapso's edit."
            case .conflicts(let conflicts):
                return "changed in Kapso since the base\(edited): merging this will be a conflict: "
                    + summary(conflicts.map(\.description)) + "."
            }
        }
    }

    private static func summary(_ items: [String]) -> String {
        let shown = items.prefix(4).joined(separator: "; ")
        return items.count > 4 ? shown + "; and \(items.count - 4) more" : shown
    }
}
