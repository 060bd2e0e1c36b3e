import Foundation
import GitStore

/// With a git server, push intents live on the server too, one ref per instance
/// (`refs/kapso-gitsync/intents/<instance>`, a commit holding one `<id>.json` per intent), written
/// there before the Kapso write they announce. An instance that replaces a dead one on another
/// machine, with an empty state directory, imports them and recognises the writes the dead one
/// made: no write repeated, no false conflict. One ref per instance, so that two instances running
/// by mistake never overwrite each other's intents.
extension RemoteSync {
    static let intentsPrefix = "refs/kapso-gitsync/intents/"

    /// After a fetch: every intent the server holds and the state directory lacks is copied there.
    func importIntents(git: GitStore, stateDirectory: String) async throws(SyncError) {
        let local = PushIntentLedger.load(from: stateDirectory)
        do {
            for reference in try await git.references(withPrefix: Self.intentsPrefix) {
                for intent in try await Self.intents(at: reference, git: git) where local[intent.workflowID] == nil {
                    try? PushIntentLedger.write(intent, to: stateDirectory)
                }
            }
        } catch {
            throw .git(error)
        }
    }

    /// Makes this instance's ref on the server hold exactly the state directory's intents: before a
    /// Kapso write (one more), and after a push that landed (the ones recorded in git, gone). With
    /// `cleanUp`, other instances' refs whose intents are all resolved here are deleted too (a dead
    /// instance's, once its writes are recorded). A server that cannot be reached fails the cycle
    /// before the write.
    func publishIntents(git: GitStore, stateDirectory: String, author: Signature, cleanUp: Bool = false) async throws(SyncError) {
        let intents = PushIntentLedger.load(from: stateDirectory)
        let own = Self.intentsPrefix + InstanceID.load(in: stateDirectory)
        var updates: [ReferenceUpdate] = []
        var deleted: [String] = []
        do {
            let current = try await git.resolve(reference: own)
            if intents.isEmpty {
                if current != nil {
                    updates.append(ReferenceUpdate(reference: own, tip: nil, condition: .always))
                    deleted.append(own)
                }
            } else if let commit = try await Self.commit(intents, replacing: current, git: git, author: author) {
                try await git.updateReference(own, to: commit, expected: current, logMessage: "kapso-gitsync: intents")
                updates.append(ReferenceUpdate(reference: own, tip: commit, condition: .always))
            }
            if cleanUp {
                for reference in try await git.references(withPrefix: Self.intentsPrefix) where reference != own {
                    let theirs = try await Self.intents(at: reference, git: git)
                    if theirs.allSatisfy({ intents[$0.workflowID] == nil }) {
                        updates.append(ReferenceUpdate(reference: reference, tip: nil, condition: .always))
                        deleted.append(reference)
                    }
                }
            }
        } catch {
            throw .git(error)
        }
        guard !updates.isEmpty else { return }
        let access = try access()
        do {
            try await git.push(access, updates: updates)
        } catch {
            throw .remote(error)
        }
        do {
            for reference in deleted { try await git.deleteReference(reference) }
        } catch {
            throw .git(error)
        }
    }

    private static func intents(at reference: String, git: GitStore) async throws(GitError) -> [PushIntent] {
        guard let tip = try await git.resolve(reference: reference) else { return [] }
        var intents: [PushIntent] = []
        for (path, blob) in try await git.files(inTree: try await git.tree(ofCommit: tip)) where path.hasSuffix(".json") {
            if let intent = try? JSONDecoder().decode(PushIntent.self, from: Data(try await git.readBlob(blob))) {
                intents.append(intent)
            }
        }
        return intents
    }

    /// A commit holding `intents`, or nil when `current` already holds exactly them.
    private static func commit(
        _ intents: [String: PushIntent], replacing current: ObjectID?, git: GitStore, author: Signature
    ) async throws(GitError) -> ObjectID? {
        var changes: [TreeChange] = []
        for (id, intent) in intents.sorted(by: { $0.key < $1.key }) {
            let bytes = [UInt8]((try? PushIntentLedger.encoded(intent)) ?? Data())
            changes.append(.upsert(path: PushIntentLedger.fileName(id), blob: try await git.writeBlob(bytes)))
        }
        let tree = try await git.updateTree(base: nil, changes: changes)
        if let current, try await git.tree(ofCommit: current) == tree { return nil }
        return try await git.commit(
            tree: tree, parents: current.map { [$0] } ?? [], message: "Push intents of kapso-gitsync\n", author: author)
    }
}
