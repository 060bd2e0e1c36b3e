import WorkflowRepo

/// Decides, with no I/O, whether the Kapso side of a conflict is this service's own write, interrupted
/// or with its answer lost, by comparing what Kapso holds with the digests its intent recorded before
/// the write. Only an exact match counts: anything else is someone else's edit and stays a conflict.
public enum OwnWriteRecognizer {
    public enum Outcome: Sendable, Equatable {
        /// Kapso holds the whole write, and git still holds what was sent: take Kapso's form.
        case landed
        /// Kapso holds the whole write, and git has moved on since: push git's newer content over it.
        case landedThenChangedInGit
        /// Kapso holds part of the write (the POST, or the PATCH without the triggers) and nothing else
        /// changed there: finish it.
        case unfinished
        /// Not this write: someone else's edit. With git still holding what the write was made from, a
        /// merge of the two sides comes out the same whether the write landed or not.
        case notOurs
        /// Kapso changed and git moved on since a write that may or may not have landed: a merge would take
        /// Kapso's copy of git's older edits for Kapso's own (and a position or a tool list would go back),
        /// so only a person can tell.
        case unsure
    }

    /// `baseFiles`: the base entry's files now (empty when the base has no entry for the workflow).
    public static func decide(
        intent: PushIntent, baseFiles: [String: String], localHashes: [String: String], kapso: WriteDigest.Parts
    ) -> Outcome {
        let baseMoved = intent.baseFiles != baseFiles
        let gitUnchanged = localHashes == intent.localHashes || localHashes == intent.mergedFrom
        if kapso.full == intent.writeDigest {
            if gitUnchanged { return .landed }
            // The base moved to the very Kapso version the merge was made with (a person merged that
            // conflict branch): git's files are their resolution of it, and Kapso holds nothing newer than
            // the merge. Merged again, the merge's copy of git's older edits would count as Kapso's.
            if baseMoved, let mergedWith = intent.mergedWith, mergedWith == baseFiles { return .landedThenChangedInGit }
            if baseMoved { return .notOurs }
            // Git's newer files were based on git's side alone: pushed over a merge, they would undo Kapso's side.
            return intent.mergedFrom == nil ? .landedThenChangedInGit : .unsure
        }
        guard !baseMoved else { return .notOurs }
        // An earlier write of ours that this one was to replace, and this one never landed: git's files
        // were pushed over it once already, and are again.
        if intent.earlierWriteDigests?.contains(kapso.full) == true { return .landedThenChangedInGit }
        // A merge cut off half way is finished by merging again: finishing it as a push would send git's
        // files. Only the cycle that sent it (holding the merged files) goes on with its triggers.
        if intent.mergedFrom == nil || localHashes == intent.localHashes {
            if let body = intent.bodyDigest, kapso.body == body, kapso.triggers == intent.triggersBeforeDigest {
                return .unfinished
            }
            if let creation = intent.creationDigest, kapso.creation == creation, kapso.triggers == WriteDigest.triggers([]) {
                return .unfinished
            }
        }
        return gitUnchanged ? .notOurs : .unsure
    }
}

extension OwnWriteRecognizer {
    /// The planner's action for a workflow with an unconfirmed write of this service (`action` is a
    /// conflict, a merge, a pull or an adopt), revised by what Kapso holds: the write landed (take Kapso's form),
    /// landed or half landed with git since moved on (push git's files), or someone else's edit. A pull
    /// or an adopt over someone else's edit becomes a conflict: git changed since the write was sent,
    /// and whether Kapso's change contains that is for a person to tell.
    public static func revise(_ action: ReconcilePlanner.Action, id: String, folder: String, by outcome: Outcome) -> ReconcilePlanner.Action
    {
        switch outcome {
        case .landed: return .pull(id: id)
        case .landedThenChangedInGit, .unfinished: return .push(id: id, folder: folder)
        case .notOurs, .unsure:
            switch action {
            case .conflict: return action
            case .merge where outcome == .notOurs: return action
            default: break
            }
            return .conflict(
                id: id, folder: folder, reason: "changed in Kapso while a push of an earlier commit is unconfirmed, and git changed since")
        }
    }
}

/// Decides whether a push replaces the triggers: triggers are their own resource in Kapso and do not
/// move `lock_version`, so what Kapso holds right after the PATCH is compared with what this cycle
/// read before deciding to push. A change in between is someone else's, and is not replaced.
public enum TriggerReplacement {
    public enum Decision: Sendable, Equatable { case leave, replace, conflict }

    /// Digests (`WriteDigest.triggers`) of Kapso's triggers now, the ones git wants, and Kapso's when read.
    public static func decide(current: String, desired: String, readBefore: String) -> Decision {
        if current == desired { return .leave }
        return current == readBefore ? .replace : .conflict
    }
}
