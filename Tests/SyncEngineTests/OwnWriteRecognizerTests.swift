import SyncEngine
import Testing
import WorkflowRepo

@Suite struct OwnWriteRecognizerTests {
    typealias Parts = WriteDigest.Parts
    static let none = WriteDigest.triggers([])
    static let sentHashes = ["workflows/a/definition.json": "sent"]
    static let baseHashes = ["workflows/a/definition.json": "base"]
    static let push = PushIntent(
        workflowID: "1", lockVersion: 4, localHashes: sentHashes, writeDigest: "full", bodyDigest: "body", triggersBeforeDigest: "t-old",
        baseFiles: baseHashes)
    static let creation = PushIntent(
        workflowID: "new:a", lockVersion: nil, localHashes: sentHashes, writeDigest: "full", bodyDigest: "body",
        triggersBeforeDigest: none, creationDigest: "posted", baseFiles: [:])
    static var pushOfAnOlderRelease: PushIntent {
        var intent = push
        intent.baseFiles = nil
        return intent
    }
    static let gitHashes = ["workflows/a/definition.json": "git-before-merge"]
    static let merge = PushIntent(
        workflowID: "1", lockVersion: 4, localHashes: sentHashes, writeDigest: "full", bodyDigest: "body", triggersBeforeDigest: "t-old",
        baseFiles: baseHashes, mergedFrom: gitHashes)
    static let newer = ["workflows/a/definition.json": "newer"]
    /// A merge made with the Kapso version a person then resolved a conflict branch against.
    static var mergeWithTheResolvedVersion: PushIntent {
        var intent = merge
        intent.mergedWith = resolvedBase
        return intent
    }
    /// A push of git's newer files over an earlier write of ours that Kapso held (digest "earlier").
    static var pushOverAnEarlierWrite: PushIntent {
        var intent = push
        intent.earlierWriteDigests = ["earlier"]
        return intent
    }
    /// The base a person's merge of a conflict branch left: the Kapso version they resolved against.
    static let resolvedBase = ["workflows/a/definition.json": "kapso-at-conflict"]

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let intent: PushIntent
        var base: [String: String]? = nil
        let local: [String: String]
        let kapso: Parts
        let expected: OwnWriteRecognizer.Outcome
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "the whole push landed", intent: push, local: sentHashes,
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landed),
        Case(
            name: "the push landed, then a newer commit", intent: push, local: ["workflows/a/definition.json": "newer"],
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landedThenChangedInGit),
        Case(
            name: "the PATCH landed, the triggers not", intent: push, local: sentHashes,
            kapso: Parts(full: "other", body: "body", triggers: "t-old", creation: "x"), expected: .unfinished),
        Case(
            name: "the PATCH landed, then someone changed the triggers", intent: push, local: sentHashes,
            kapso: Parts(full: "other", body: "body", triggers: "t-someone", creation: "x"), expected: .notOurs),
        Case(
            name: "someone else's edit", intent: push, local: sentHashes,
            kapso: Parts(full: "other", body: "other", triggers: "t-old", creation: "x"), expected: .notOurs),
        Case(
            name: "only the POST landed", intent: creation, local: sentHashes,
            kapso: Parts(full: "other", body: "other", triggers: none, creation: "posted"), expected: .unfinished),
        Case(
            name: "the POST landed, then an editor edit", intent: creation, local: sentHashes,
            kapso: Parts(full: "other", body: "other", triggers: none, creation: "edited"), expected: .notOurs),
        Case(
            name: "the POST landed, then a trigger was added", intent: creation, local: sentHashes,
            kapso: Parts(full: "other", body: "other", triggers: "t-someone", creation: "posted"), expected: .notOurs),
        Case(
            name: "the creation's PATCH landed, not its triggers", intent: creation, local: sentHashes,
            kapso: Parts(full: "other", body: "body", triggers: none, creation: "x"), expected: .unfinished),
        Case(
            name: "the PATCH landed, then a person merged a conflict branch (base moved)", intent: push, base: resolvedBase,
            local: ["workflows/a/definition.json": "resolved"],
            kapso: Parts(full: "other", body: "body", triggers: "t-old", creation: "x"), expected: .notOurs),
        Case(
            name: "the push landed, then a person merged a conflict branch (base moved)", intent: push, base: resolvedBase,
            local: ["workflows/a/definition.json": "resolved"],
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .notOurs),
        Case(
            name: "the push landed and git holds it, whatever the base", intent: push, base: resolvedBase, local: sentHashes,
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landed),
        Case(
            name: "an intent that does not say its base: the PATCH landed", intent: pushOfAnOlderRelease, local: sentHashes,
            kapso: Parts(full: "other", body: "body", triggers: "t-old", creation: "x"), expected: .notOurs),
        Case(
            name: "someone else's edit, and git moved on since the push: a merge cannot tell", intent: push, local: newer,
            kapso: Parts(full: "other", body: "other", triggers: "t-old", creation: "x"), expected: .unsure),
        Case(
            name: "the merge landed, git still holds what it was merged from", intent: merge, local: gitHashes,
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landed),
        Case(
            name: "the merge landed, then a newer commit: never pushed over the merge", intent: merge, local: newer,
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .unsure),
        Case(
            name: "the merge's PATCH landed, not its triggers, seen by the next cycle: merged again", intent: merge, local: gitHashes,
            kapso: Parts(full: "other", body: "body", triggers: "t-old", creation: "x"), expected: .notOurs),
        Case(
            name: "the merge's PATCH landed, not its triggers, seen by the cycle that sent it: finished", intent: merge,
            local: sentHashes, kapso: Parts(full: "other", body: "body", triggers: "t-old", creation: "x"), expected: .unfinished),
        Case(
            name: "someone else's edit after a merge, git moved on: a merge cannot tell", intent: merge, local: newer,
            kapso: Parts(full: "other", body: "other", triggers: "t-old", creation: "x"), expected: .unsure),
        Case(
            name: "an intent that does not say its base: the whole push landed", intent: pushOfAnOlderRelease, local: sentHashes,
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landed),
        // Seed 877: the merge landed, then a person merged the conflict branch holding the Kapso version it was
        // merged with: their resolution holds all the merge took from Kapso, and is pushed over it.
        Case(
            name: "the merge landed, then its Kapso side was resolved in git", intent: mergeWithTheResolvedVersion, base: resolvedBase,
            local: ["workflows/a/definition.json": "resolved"],
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .landedThenChangedInGit),
        Case(
            name: "the merge landed, then another Kapso version was resolved in git", intent: merge, base: resolvedBase,
            local: ["workflows/a/definition.json": "resolved"],
            kapso: Parts(full: "full", body: "body", triggers: "t-new", creation: "x"), expected: .notOurs),
        // Seed 1254: an earlier push landed, its commit did not; git moved on; the push of git's newer files
        // failed. Kapso still holds the earlier write: ours, so git's files go over it again.
        Case(
            name: "a push over an earlier write of ours that did not land", intent: pushOverAnEarlierWrite, local: sentHashes,
            kapso: Parts(full: "earlier", body: "earlier-body", triggers: "t-old", creation: "x"), expected: .landedThenChangedInGit),
        Case(
            name: "a push over an earlier write, then someone else's edit", intent: pushOverAnEarlierWrite, local: sentHashes,
            kapso: Parts(full: "other", body: "other", triggers: "t-old", creation: "x"), expected: .notOurs),
    ]

    @Test(arguments: cases)
    func decides(_ testCase: Case) {
        let base = testCase.base ?? testCase.intent.baseFiles ?? Self.baseHashes
        #expect(
            OwnWriteRecognizer.decide(intent: testCase.intent, baseFiles: base, localHashes: testCase.local, kapso: testCase.kapso)
                == testCase.expected)
    }

    static let unconfirmed = "changed in Kapso while a push of an earlier commit is unconfirmed, and git changed since"

    static let revisions: [(ReconcilePlanner.Action, OwnWriteRecognizer.Outcome, ReconcilePlanner.Action)] = [
        (.conflict(id: "1", folder: "a", reason: "both"), .landed, .pull(id: "1")),
        (.conflict(id: "1", folder: "a", reason: "both"), .landedThenChangedInGit, .push(id: "1", folder: "a")),
        (.conflict(id: "1", folder: "a", reason: "both"), .unfinished, .push(id: "1", folder: "a")),
        (.conflict(id: "1", folder: "a", reason: "both"), .notOurs, .conflict(id: "1", folder: "a", reason: "both")),
        (.pull(id: "1"), .landed, .pull(id: "1")),
        (.pull(id: "1"), .notOurs, .conflict(id: "1", folder: "a", reason: unconfirmed)),
        (.adopt(id: "1"), .notOurs, .conflict(id: "1", folder: "a", reason: unconfirmed)),
        (.adopt(id: "1"), .unfinished, .push(id: "1", folder: "a")),
        (.conflict(id: "1", folder: "a", reason: "both"), .unsure, .conflict(id: "1", folder: "a", reason: "both")),
        (.merge(id: "1", folder: "a"), .landed, .pull(id: "1")),
        (.merge(id: "1", folder: "a"), .notOurs, .merge(id: "1", folder: "a")),
        (.merge(id: "1", folder: "a"), .unsure, .conflict(id: "1", folder: "a", reason: unconfirmed)),
    ]

    @Test(arguments: revisions)
    func revisesThePlan(action: ReconcilePlanner.Action, outcome: OwnWriteRecognizer.Outcome, expected: ReconcilePlanner.Action) {
        #expect(OwnWriteRecognizer.revise(action, id: "1", folder: "a", by: outcome) == expected)
    }

    @Test(arguments: [
        (3, 10, false),  // not more than the count
        (4, 10, true),
        (4, 50, false),  // 8%: not more than the percentage
        (4, 0, true),  // no workflow in the base or the list: counted as one
    ])
    func brakesMassDeletions(deletions: Int, workflows: Int, brakes: Bool) {
        #expect(ReconcilePlanner.exceedsDeletionBrake(deletions: deletions, workflows: workflows, brake: (count: 3, percent: 10)) == brakes)
    }

    @Test(arguments: [
        ("same as git's", "want", "read", TriggerReplacement.Decision.leave),
        ("unchanged since read", "read", "read", .replace),
        ("changed in Kapso since read", "someone", "read", .conflict),
        ("changed in Kapso to git's", "want", "read", .leave),
    ])
    func triggers(_ name: String, current: String, readBefore: String, expected: TriggerReplacement.Decision) {
        #expect(TriggerReplacement.decide(current: current, desired: "want", readBefore: readBefore) == expected, "\(name)")
    }
}

@Suite struct PushIntentLedgerTests {
    @Test func anIntentGoesOnceTheBaseRecordsIt() {
        var map = RemoteMap()
        map.set(.init(id: "1", slug: "a", lockVersion: 5, status: "active", updatedAt: nil, files: [:]))
        map.set(.init(id: "2", slug: "b", lockVersion: 5, status: "active", updatedAt: nil, files: [:]))
        map.set(.init(id: "9", slug: "made", lockVersion: 2, status: "active", updatedAt: nil, files: [:]))
        func intent(_ key: String, _ lockVersion: Int?) -> PushIntent {
            PushIntent(workflowID: key, lockVersion: lockVersion, localHashes: [:], writeDigest: "d", baseFiles: [:])
        }
        let intents = [
            "1": intent("1", 4), "2": intent("2", 5), "3": intent("3", 1), "new:made": intent("new:made", nil),
            "new:pending": intent("new:pending", nil),
        ]
        #expect(PushIntent.recorded(intents, by: map) == ["1", "new:made"])
    }

    @Test func anIntentGoesWhenKapsoHoldsExactlyTheBase() {
        let same = ["workflows/a/definition.json": "x"]
        let other = ["workflows/a/definition.json": "y"]
        var map = RemoteMap()
        for (id, slug) in [("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")] {
            map.set(.init(id: id, slug: slug, lockVersion: 5, status: "active", updatedAt: nil, files: same))
        }
        map.set(.init(id: "5", slug: "tomb", lockVersion: 5, status: "archived", updatedAt: nil, files: [:]))
        let intents = Dictionary(
            uniqueKeysWithValues: ["1", "2", "3", "4", "5", "new:e"].map {
                ($0, PushIntent(workflowID: $0, lockVersion: 5, localHashes: same, writeDigest: "d", baseFiles: same))
            })
        // 1: Kapso holds the base; 2: other files; 3: another slug (a rename landed); 4: not read this
        // cycle; 5: a tombstone; new:e: a creation, recorded only by its folder in the base.
        let kapso: [String: (slug: String, files: [String: String])] = [
            "1": ("a", same), "2": ("b", other), "3": ("renamed", same), "5": ("tomb", [:]), "new:e": ("e", same),
        ]
        #expect(PushIntent.settled(intents, base: map, kapso: kapso) == ["1"])
    }
}

@Suite struct ConflictBranchPlannerTests {
    typealias Branch = ConflictBranchPlanner.Branch

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let branches: [Branch]
        let inConflict: Set<String>
        let unread: Set<String>
        let delete: [String]
        let keep: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "still in conflict: kept, whatever is on it", branches: [.init(folder: "a", holdsNothingMainLacks: false)],
            inConflict: ["a"], unread: [], delete: [], keep: []),
        Case(
            name: "resolved, merged into main: deleted", branches: [.init(folder: "a", holdsNothingMainLacks: true)], inConflict: [],
            unread: [], delete: ["a"], keep: []),
        Case(
            name: "gone, with a person's commits main lacks: kept and reported",
            branches: [.init(folder: "a", holdsNothingMainLacks: false)], inConflict: [], unread: [], delete: [], keep: ["a"]),
        Case(
            name: "not read this cycle: kept, its conflict may be there", branches: [.init(folder: "a", holdsNothingMainLacks: true)],
            inConflict: [], unread: ["a"], delete: [], keep: []),
        Case(
            name: "several",
            branches: [
                .init(folder: "c", holdsNothingMainLacks: true), .init(folder: "a", holdsNothingMainLacks: true),
                .init(folder: "b", holdsNothingMainLacks: false),
            ], inConflict: ["a"], unread: [], delete: ["c"], keep: ["b"]),
    ]

    @Test(arguments: cases)
    func deletesOnlyBranchesWhoseConflictIsGoneAndThatHoldNothingMainLacks(_ testCase: Case) {
        let decision = ConflictBranchPlanner.afterCycle(testCase.branches, inConflict: testCase.inConflict, unread: testCase.unread)
        #expect(decision.delete == testCase.delete)
        #expect(decision.keep == testCase.keep)
    }
}
