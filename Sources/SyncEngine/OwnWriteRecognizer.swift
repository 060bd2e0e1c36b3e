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
        case notOurs
    }

    /// `baseFiles`: the base entry's files now (empty when the base has no entry for the workflow).
    public static func decide(
        intent: PushIntent, baseFiles: [String: String], localHashes: [String: String], kapso: WriteDigest.Parts
    ) -> Outcome {
        let baseMoved = intent.baseFiles != baseFiles
        if kapso.full == intent.writeDigest {
            if localHashes == intent.localHashes { return .landed }
            return baseMoved ? .notOurs : .landedThenChangedInGit
        }
        guard !baseMoved else { return .notOurs }
        if let body = intent.bodyDigest, kapso.body == body, kapso.triggers == intent.triggersBeforeDigest {
            return .unfinished
        }
        if let creation = intent.creationDigest, kapso.creation == creation, kapso.triggers == WriteDigest.triggers([]) {
            return .unfinished
        }
        return .notOurs
    }
}

extension OwnWriteRecognizer {
    /// The planner's action for a workflow with an unconfirmed write of this service (`action` is a
    /// conflict, a pull or an adopt), revised by what Kapso holds: the write landed (take Kapso's form),
    /// landed or half landed with git since moved on (push git's files), or someone else's edit. A pull
    /// or an adopt over someone else's edit becomes a conflict: git changed since the write was sent,
    /// and whether Kapso's change contains that is for a person to tell.
    public static func revise(_ action: ReconcilePlanner.Action, id: String, folder: String, by outcome: Outcome) -> ReconcilePlanner.Action
    {
        switch outcome {
        case .landed: return .pull(id: id)
        case .landedThenChangedInGit, .unfinished: return .push(id: id, folder: folder)
        case .notOurs:
            if case .conflict = action { return action }
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
