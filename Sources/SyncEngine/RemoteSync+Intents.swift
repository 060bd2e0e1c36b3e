import Foundation
import GitStore

/// With a git server, push intents live on the server too, in `refs/kapso-gitsync/intents` (one
/// `<id>.json` per intent), written there before the Kapso write they announce. An instance that
/// replaces a dead one on another machine, with an empty state directory, then recognises the
/// writes the dead one made: no write repeated, no false conflict.
extension RemoteSync {
    static let intentsReference = "refs/kapso-gitsync/intents"

    /// After a fetch: every intent the server holds and the state directory lacks is copied there.
    func importIntents(git: GitStore, stateDirectory: String) async throws(SyncError) {
        let local = PushIntent.all(in: stateDirectory)
        do {
            guard let tip = try await git.resolve(reference: Self.intentsReference) else { return }
            let tree = try await git.tree(ofCommit: tip)
            for (path, blob) in try await git.files(inTree: tree) {
                guard let intent = try? JSONDecoder().decode(PushIntent.self, from: Data(try await git.readBlob(blob))),
                    local[intent.workflowID] == nil, path.hasSuffix(".json")
                else { continue }
                try? intent.record(in: stateDirectory)
            }
        } catch {
            throw .git(error)
        }
    }

    /// Makes the server's intents exactly the state directory's: before a Kapso write (one more), and
    /// after a push that landed (the ones recorded in git, gone). A server that cannot be reached fails
    /// the cycle before the write.
    func publishIntents(git: GitStore, stateDirectory: String, author: Signature) async throws(SyncError) {
        let intents = PushIntent.all(in: stateDirectory)
        let access = try access()
        do {
            let current = try await git.resolve(reference: Self.intentsReference)
            if intents.isEmpty {
                guard current != nil else { return }
                try await push(git: git, access: access, refspec: ":\(Self.intentsReference)")
                try await git.deleteReference(Self.intentsReference)
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var changes: [TreeChange] = []
            for (id, intent) in intents.sorted(by: { $0.key < $1.key }) {
                let name = (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id) + ".json"
                let bytes = [UInt8]((try? encoder.encode(intent)) ?? Data())
                changes.append(.upsert(path: name, blob: try await git.writeBlob(bytes)))
            }
            let tree = try await git.updateTree(base: nil, changes: changes)
            if let current, try await git.tree(ofCommit: current) == tree { return }
            let commit = try await git.commit(
                tree: tree, parents: current.map { [$0] } ?? [], message: "Push intents of kapso-gitsync\n", author: author)
            try await git.updateReference(Self.intentsReference, to: commit, expected: current, logMessage: "kapso-gitsync: intents")
            try await push(git: git, access: access, refspec: "+\(Self.intentsReference):\(Self.intentsReference)")
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw error as! SyncError
        }
    }

    private func push(git: GitStore, access: RemoteAccess, refspec: String) async throws(SyncError) {
        do {
            try await git.push(access, refspecs: [refspec])
        } catch {
            throw .remote(error)
        }
    }
}
