import GitStore

/// The git server side of a cycle: fetch the branch and the conflict branches, bring the local copies
/// in line, and after the cycle push fast-forward only. The local bare repository is a cache of the
/// server: everything that matters is on the server or still in Kapso, so a new instance on a new
/// machine continues where the old one stopped.
public struct RemoteSync: Sendable {
    /// Reads the secrets again for every operation, so that a rotated token is picked up.
    public let access: @Sendable () throws(SyncError) -> RemoteAccess
    /// Rounds of fetch–recompute–push when someone pushed between our fetch and our push.
    public let pushRounds: Int
    /// With a protected main branch: the branch people merge into, which the service never writes.
    /// The service's branch (the engine's `branch`) is then an incoming branch kept merged with it:
    /// changes to send to Kapso come from this branch, what comes from Kapso is committed there.
    public let mainBranch: String?

    public init(
        pushRounds: Int = 3, mainBranch: String? = nil, access: @escaping @Sendable () throws(SyncError) -> RemoteAccess
    ) {
        self.access = access
        self.pushRounds = max(1, pushRounds)
        self.mainBranch = mainBranch
    }

    static let trackingPrefix = "refs/remotes/origin/"
    static let conflictPrefix = "refs/heads/\(ConflictBranch.prefix)"

    /// `refs/heads/x` → `refs/remotes/origin/x`, where the server's `x` is remembered.
    static func tracking(_ reference: String) -> String { trackingPrefix + reference.dropFirst("refs/heads/".count) }
    /// `refs/remotes/origin/x` → `refs/heads/x`.
    static func local(_ tracking: String) -> String { "refs/heads/" + tracking.dropFirst(trackingPrefix.count) }

    func fetchRefspecs(branch: String) -> [String] {
        [
            "+refs/heads/\(branch):\(Self.trackingPrefix)\(branch)",
            "+\(Self.conflictPrefix)*:\(Self.trackingPrefix)\(ConflictBranch.prefix)*",
            "+\(Self.intentsPrefix)*:\(Self.intentsPrefix)*",
        ] + (mainBranch.map { ["+refs/heads/\($0):\(Self.trackingPrefix)\($0)"] } ?? [])
    }

    /// Fetches, then moves the local branch to the server's unless the local one is strictly ahead (a
    /// commit a failed push left: it is pushed after this cycle). Diverged means someone pushed after a
    /// commit of ours that never reached the server: ours is dropped and the cycle recomputes it; the
    /// push intents, kept until the push lands, make Kapso's side of it recognised, not a conflict.
    /// Local conflict branches become the server's, so a person's edits on them are never overwritten.
    /// Returns what needs a person without stopping the cycle (main that cannot be merged into the
    /// incoming branch).
    func fetchAndAlign(git: GitStore, branch: String, author: Signature) async throws(SyncError) -> [String] {
        var attention: [String] = []
        let access = try access()
        do {
            try await git.fetch(access, refspecs: fetchRefspecs(branch: branch))
        } catch {
            throw .remote(error)
        }
        do {
            let local = try await git.resolve(reference: "refs/heads/\(branch)")
            if let server = try await git.resolve(reference: Self.trackingPrefix + branch), server != local {
                let ahead = if let local { try await git.isDescendant(local, of: server) } else { false }
                if !ahead {
                    try await git.updateReference(
                        "refs/heads/\(branch)", to: server, expected: local, logMessage: "kapso-gitsync: fetched from the server")
                }
            }
            if let mainBranch, !(try await mergeMain(mainBranch, into: branch, git: git, author: author)) {
                attention.append(
                    "\(mainBranch) and \(branch) conflict: merge \(mainBranch) into \(branch) by hand; until then what is merged"
                        + " into \(mainBranch) is not sent to Kapso, and Kapso's changes still reach \(branch)")
            }
            let serverConflicts = try await git.references(withPrefix: Self.trackingPrefix + ConflictBranch.prefix)
            var onServer: Set<String> = []
            for tracking in serverConflicts {
                let name = Self.local(tracking)
                onServer.insert(name)
                guard let tip = try await git.resolve(reference: tracking) else { continue }
                let current = try await git.resolve(reference: name)
                if current != tip {
                    try await git.updateReference(name, to: tip, expected: current, logMessage: "kapso-gitsync: fetched from the server")
                }
            }
            for local in try await git.references(withPrefix: Self.conflictPrefix) where !onServer.contains(local) {
                try await git.deleteReference(local)
            }
        } catch {
            throw .git(error)
        }
        return attention
    }

    /// Brings the incoming branch up to date with main: main itself while incoming holds nothing main
    /// lacks (merged, or never written); a merge commit when both moved (people merged other changes,
    /// or squashed the incoming branch: identical changes merge cleanly). Returns false when the merge
    /// conflicts: the incoming branch stays as it is (Kapso's changes still reach it) until a person
    /// merges main into it by hand.
    private func mergeMain(_ mainBranch: String, into branch: String, git: GitStore, author: Signature) async throws(GitError) -> Bool {
        guard let main = try await git.resolve(reference: Self.trackingPrefix + mainBranch) else { return true }
        let reference = "refs/heads/\(branch)"
        let incoming = try await git.resolve(reference: reference)
        guard let incoming, incoming != main else {
            if incoming == nil { try await git.updateReference(reference, to: main, expected: nil, logMessage: "kapso-gitsync: from main") }
            return true
        }
        if try await git.isDescendant(main, of: incoming) {
            try await git.updateReference(reference, to: main, expected: incoming, logMessage: "kapso-gitsync: from main")
            return true
        }
        if try await git.isDescendant(incoming, of: main) { return true }
        guard let tree = try await git.mergedTree(ours: incoming, theirs: main) else { return false }
        let commit = try await git.commit(
            tree: tree, parents: [incoming, main], message: "Merge \(mainBranch) into \(branch)\n",
            author: author)
        try await git.updateReference(reference, to: commit, expected: incoming, logMessage: "kapso-gitsync: merge \(mainBranch)")
        return true
    }

    /// Pushes the branch (fast-forward only), every local conflict branch and the deletion of the ones
    /// resolved. A conflict branch that grew (a commit on top of a person's) is sent fast-forward only; one
    /// started afresh (its old tip was merged into main) is replaced only while the server still holds what
    /// this cycle fetched (compare-and-swap on a server reached by path; forced over the network).
    func push(git: GitStore, branch: String) async throws(SyncError) {
        let access = try access()
        var updates: [ReferenceUpdate] = []
        do {
            let reference = "refs/heads/\(branch)"
            if let local = try await git.resolve(reference: reference), try await local != git.resolve(reference: Self.tracking(reference))
            {
                updates.append(ReferenceUpdate(reference: reference, tip: local, condition: .fastForward))
            }
            let localConflicts = Set(try await git.references(withPrefix: Self.conflictPrefix))
            for name in localConflicts.sorted() {
                let tip = try await git.resolve(reference: name)
                let fetched = try await git.resolve(reference: Self.tracking(name))
                guard tip != fetched else { continue }
                let grows = if let tip, let fetched { try await git.isDescendant(tip, of: fetched) } else { false }
                updates.append(ReferenceUpdate(reference: name, tip: tip, condition: grows ? .fastForward : .holds(fetched)))
            }
            for tracking in try await git.references(withPrefix: Self.trackingPrefix + ConflictBranch.prefix)
            where !localConflicts.contains(Self.local(tracking)) {
                updates.append(
                    ReferenceUpdate(
                        reference: Self.local(tracking), tip: nil, condition: .holds(try await git.resolve(reference: tracking))))
            }
        } catch {
            throw .git(error)
        }
        do {
            // The branch first, the conflict branches only once it landed: a conflict branch on the server
            // must never be based on a commit that lost its race and will be computed again.
            let branchReference = "refs/heads/\(branch)"
            try await git.push(access, updates: updates.filter { $0.reference == branchReference })
            try await git.push(access, updates: updates.filter { $0.reference != branchReference })
        } catch {
            throw .remote(error)
        }
        // What the server now holds, so the next push compares with it without a fetch.
        do {
            for update in updates {
                let tracking = Self.tracking(update.reference)
                if let tip = update.tip {
                    let current = try await git.resolve(reference: tracking)
                    try await git.updateReference(tracking, to: tip, expected: current, logMessage: "kapso-gitsync: pushed")
                } else {
                    try await git.deleteReference(tracking)
                }
            }
        } catch {
            throw .git(error)
        }
    }
}
