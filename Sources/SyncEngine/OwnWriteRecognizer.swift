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
