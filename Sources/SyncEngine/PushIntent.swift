import WorkflowRepo

/// What this service is about to write to one workflow, on file (see `PushIntentLedger`) from before
/// the write until the commit that records it lands.
/// After a crash between the two, or an answer lost on the way back, it lets the next cycle recognise
/// Kapso's newer version as its own write (Kapso's version has the digest of what was sent, and the
/// files in git are still the ones sent) and take it, instead of reporting a conflict with itself. A
/// newer version that is not exactly the write (someone else's edit) stays a conflict.
public struct PushIntent: Codable, Sendable, Equatable {
    public var workflowID: String
    public var lockVersion: Int?
    public var localHashes: [String: String]
    /// `WriteDigest` of what was sent: Kapso holds this write exactly when its version has this digest.
    public var writeDigest: String
    /// The PATCH's part of it (all but the triggers), and the digest of Kapso's triggers when it was
    /// read: a write cut off between the PATCH and the triggers is recognised by both.
    public var bodyDigest: String?
    public var triggersBeforeDigest: String?
    /// For a creation: what the POST alone leaves in Kapso (a draft, no triggers).
    public var creationDigest: String?
    /// The base entry's files when the write was decided (empty for a creation). The intent speaks
    /// only for that base: a person who merges a conflict branch moves the base to the Kapso version
    /// they resolved against, and Kapso's edits since then are theirs, not an unfinished write of ours.
    /// Nil in an intent written before this was recorded: then only an exact match is recognised.
    public var baseFiles: [String: String]?
    /// For a merge of both sides' edits: git's files it was merged from (`localHashes` are the merged
    /// ones). Kapso holding the merge then means git has not been sent anything newer only while git
    /// still holds those files; git's later edits were never merged with Kapso's side, so they are not
    /// pushed over it.
    public var mergedFrom: [String: String]?
    /// For a merge: Kapso's files it was merged with. A person who merges the conflict branch holding
    /// exactly that Kapso version moves the base there, and their resolution then holds everything the
    /// merge took from Kapso: pushed over the merge, it undoes nothing of Kapso's.
    public var mergedWith: [String: String]?
    /// Digests of this service's earlier writes, still unconfirmed, that Kapso held when this one was
    /// decided: this write replaces their intent, and if it never lands, Kapso holding one of them is
    /// still this service's own write, not an edit made in Kapso.
    public var earlierWriteDigests: [String]?
    /// For a creation: the name sent. An API without slugs (legacy) names a new flow's folder after
    /// its name; a flow whose creation answer was lost is given this intent's folder instead.
    public var creationName: String?

    public init(
        workflowID: String, lockVersion: Int?, localHashes: [String: String], writeDigest: String, bodyDigest: String? = nil,
        triggersBeforeDigest: String? = nil, creationDigest: String? = nil, baseFiles: [String: String]?,
        mergedFrom: [String: String]? = nil, mergedWith: [String: String]? = nil, earlierWriteDigests: [String]? = nil
    ) {
        self.earlierWriteDigests = earlierWriteDigests
        self.mergedWith = mergedWith
        self.workflowID = workflowID
        self.lockVersion = lockVersion
        self.localHashes = localHashes
        self.writeDigest = writeDigest
        self.bodyDigest = bodyDigest
        self.triggersBeforeDigest = triggersBeforeDigest
        self.creationDigest = creationDigest
        self.baseFiles = baseFiles
        self.mergedFrom = mergedFrom
    }

    /// The key of a creation's intent: the workflow has no id yet, only its folder.
    public static func creationKey(_ folder: String) -> String { "new:\(folder)" }

    /// The intents that `map` records, so they can go: a push once the base is past the lock_version it
    /// was sent with (a crash after the branch moved leaves its intent behind), a creation once its
    /// folder is in the base with an id.
    public static func recorded(_ intents: [String: PushIntent], by map: RemoteMap) -> [String] {
        var recorded: [String] = []
        for (key, intent) in intents.sorted(by: { $0.key < $1.key }) {
            if key.hasPrefix(creationKey("")) {
                if map.workflows[String(key.dropFirst(creationKey("").count))] != nil { recorded.append(key) }
            } else if let sent = intent.lockVersion, let base = map.entry(forID: key)?.lockVersion, base > sent {
                recorded.append(key)
            }
        }
        return recorded
    }

    /// The push intents with nothing left to recognise: Kapso, read this cycle, holds exactly the base
    /// (files and slug), so no part of the write is there, or the write changed nothing. Kept, such an
    /// intent would never be recorded (no commit records an unchanged workflow) and would make every
    /// cycle read the workflow again: a write undone in git before it was confirmed, a folder removed
    /// after a write that failed. `kapso`: files and slug by workflow id, as read this cycle.
    public static func settled(
        _ intents: [String: PushIntent], base: RemoteMap, kapso: [String: (slug: String, files: [String: String])]
    ) -> [String] {
        intents.keys.sorted().filter { key in
            guard let entry = base.entry(forID: key), !entry.files.isEmpty, let read = kapso[key] else { return false }
            return read.files == entry.files && read.slug == entry.slug
        }
    }
}
