internal import CLibgit2
import Foundation

/// A git server reached by path (`/srv/git/flows.git`, `file://…`): the objects travel through
/// libgit2's local transport, but the references are moved here, by compare-and-swap in the server's
/// repository. libgit2's local transport checks fast-forward against the values it read when it
/// connected and then overwrites the reference, so a push that a person made in between would be
/// lost from every reference.
extension GitStore {
    static let stagingPrefix = "refs/kapso-gitsync/staging/"

    /// The path of a git server on this machine, or nil for a network URL.
    nonisolated static func serverPath(_ url: String) -> String? {
        if url.hasPrefix("file://") { return String(url.dropFirst("file://".count)) }
        return url.hasPrefix("/") || url.hasPrefix(".") ? url : nil
    }

    /// Sets `updates` on the server: by compare-and-swap for a server reached by path, as refspecs
    /// otherwise. An update whose condition does not hold (someone pushed meanwhile) is reported as a
    /// lost race (`nonFastForward`, per reference in `rejected`), never forced through.
    public func push(_ access: RemoteAccess, updates: [ReferenceUpdate]) throws(RemoteError) {
        guard !updates.isEmpty else { return }
        guard let path = Self.serverPath(access.url) else {
            // The server moves each reference only from the value this push read (receive-pack checks it).
            let interleaving = pushInterleaving
            pushInterleaving = nil
            try push(access, refspecs: updates.map(\.refspec), beforeUpdate: interleaving)
            return
        }
        let token = UUID().uuidString.lowercased()
        let staged = updates.enumerated().compactMap { index, update in
            update.tip == nil ? nil : (update.reference, "\(Self.stagingPrefix)\(token)-\(index)")
        }
        // Only the objects, under names nobody else writes.
        try push(access, refspecs: staged.map { "+\($0.0):\($0.1)" })
        let server: Repository
        do {
            server = try Self.open(path)
        } catch {
            throw RemoteError(kind: .unreachable, remote: access.displayURL, message: error.description, rejected: [:])
        }
        defer { for (_, name) in staged { git_reference_remove(server.pointer, name) } }
        if let interleaving = pushInterleaving {
            pushInterleaving = nil
            interleaving()
        }
        var lost: [String: String] = [:]
        for update in updates {
            do {
                if let reason = try Self.set(update, in: server) { lost[update.reference] = reason }
            } catch {
                throw RemoteError(kind: .other, remote: access.displayURL, message: error.description, rejected: [:])
            }
        }
        if !lost.isEmpty {
            let reasons = lost.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            throw RemoteError(
                kind: .nonFastForward, remote: access.displayURL, message: "the server's references moved: \(reasons)", rejected: lost)
        }
    }

    /// Moves one reference in the server's repository; the reason it lost a race, or nil when done.
    private static func set(_ update: ReferenceUpdate, in server: Repository) throws(GitError) -> String? {
        var currentOID = git_oid()
        let lookup = git_reference_name_to_id(&currentOID, server.pointer, update.reference)
        let current: ObjectID? = lookup == GIT_ENOTFOUND.rawValue ? nil : ObjectID(currentOID)
        if lookup != GIT_ENOTFOUND.rawValue { _ = try check("git_reference_name_to_id", lookup) }
        switch update.condition {
        case .always: break
        case .holds(let expected) where expected != current: return "stale info (the server holds another commit)"
        case .holds: break
        case .fastForward:
            if let current, let tip = update.tip, current != tip {
                var tipOID = tip.raw
                var ancestorOID = current.raw
                let descendant = try check(
                    "git_graph_descendant_of", git_graph_descendant_of(server.pointer, &tipOID, &ancestorOID))
                if descendant != 1 { return "non-fast-forward" }
            }
        }
        if current == update.tip { return nil }
        let result: Int32
        if let tip = update.tip {
            let lock = StaleRefLock(gitDirectory: server.gitDirectory, reference: update.reference, target: tip)
            result = lock.run {
                server.compareAndSwapReference(update.reference, to: tip, expected: current, logMessage: "kapso-gitsync: push")
            }
        } else {
            var reference: OpaquePointer?
            let found = git_reference_lookup(&reference, server.pointer, update.reference)
            if found == GIT_ENOTFOUND.rawValue { return nil }
            _ = try check("git_reference_lookup", found)
            defer { git_reference_free(reference) }
            // Deleting checks that the reference still holds what the lookup read.
            result = git_reference_delete(reference)
        }
        switch result {
        case 0: return nil
        case GIT_EMODIFIED.rawValue, GIT_EEXISTS.rawValue: return "stale info (the server's reference moved during the push)"
        case GIT_ELOCKED.rawValue: return "failed to lock (another push is updating it)"
        default:
            _ = try check("git_reference_update", result)
            return nil
        }
    }
}
