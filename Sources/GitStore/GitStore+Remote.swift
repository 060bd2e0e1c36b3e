internal import CLibgit2
import Foundation

/// A fetch or push that did not happen, with the reason in words (credentials are never in it).
public struct RemoteError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The branch on the server moved: fetch, recompute, push again.
        case nonFastForward
        /// The server refused a reference (branch protection, a hook): `rejected` says which and why.
        case rejected
        case authentication
        case hostKey
        case unreachable
        case other

        public var metricLabel: String {
            switch self {
            case .nonFastForward: "non_fast_forward"
            case .rejected: "rejected"
            case .authentication: "authentication"
            case .hostKey: "host_key"
            case .unreachable: "unreachable"
            case .other: "other"
            }
        }
    }

    public let kind: Kind
    public let remote: String
    public let message: String
    public let rejected: [String: String]
    /// The operation made no progress and its connection was cut (`StalledConnectionWatch`).
    public let stalled: Bool

    public init(kind: Kind, remote: String, message: String, rejected: [String: String], stalled: Bool = false) {
        self.kind = kind
        self.remote = remote
        self.message = message
        self.rejected = rejected
        self.stalled = stalled
    }

    public var description: String { "\(remote): \(message)" }
}

extension GitStore {
    /// Whether `commit` has `ancestor` in its history (a commit is not its own descendant).
    public func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws(GitError) -> Bool {
        var commitOID = commit.raw
        var ancestorOID = ancestor.raw
        return try check("git_graph_descendant_of", git_graph_descendant_of(repository.pointer, &commitOID, &ancestorOID)) == 1
    }

    /// The tree of merging `theirs` into `ours` (git's three-way merge of the two commits), or nil when
    /// the merge has conflicts.
    public func mergedTree(ours: ObjectID, theirs: ObjectID) throws(GitError) -> ObjectID? {
        var oursOID = ours.raw
        var theirsOID = theirs.raw
        var oursCommit: OpaquePointer?
        var theirsCommit: OpaquePointer?
        try check("git_commit_lookup", git_commit_lookup(&oursCommit, repository.pointer, &oursOID))
        defer { git_commit_free(oursCommit) }
        try check("git_commit_lookup", git_commit_lookup(&theirsCommit, repository.pointer, &theirsOID))
        defer { git_commit_free(theirsCommit) }
        var index: OpaquePointer?
        try check("git_merge_commits", git_merge_commits(&index, repository.pointer, oursCommit, theirsCommit, nil))
        defer { git_index_free(index) }
        if git_index_has_conflicts(index) != 0 { return nil }
        var tree = git_oid()
        try check("git_index_write_tree_to", git_index_write_tree_to(&tree, index, repository.pointer))
        return ObjectID(tree)
    }

    /// Fetches `refspecs` from the remote (pruning what the server deleted, for refspecs with a
    /// wildcard). Blocking network I/O on the store's own queue, never on Swift's shared pool.
    public func fetch(_ access: RemoteAccess, refspecs: [String]) throws(RemoteError) {
        try withRemote(access) { remote, callbacks throws(RemoteError) in
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            options.callbacks = callbacks
            options.prune = GIT_FETCH_PRUNE
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            options.update_fetchhead = 0
            // The token must not follow a redirect to another host, not even on the first request.
            options.follow_redirects = GIT_REMOTE_REDIRECT_NONE
            let result = withStringArray(refspecs) { array in git_remote_fetch(remote, &array, &options, "kapso-gitsync: fetch") }
            return result
        }
    }

    /// Pushes `refspecs` (`refs/heads/main:refs/heads/main`, `+src:dst` to force, `:dst` to delete).
    /// A reference the server refuses through the per-reference report is a failure, never a success.
    public func push(_ access: RemoteAccess, refspecs: [String]) throws(RemoteError) {
        try push(access, refspecs: refspecs, beforeUpdate: nil)
    }

    /// `beforeUpdate`: see `RemoteCallbackState.beforeUpdate`.
    func push(_ access: RemoteAccess, refspecs: [String], beforeUpdate: (() -> Void)?) throws(RemoteError) {
        guard !refspecs.isEmpty else { return }
        try withRemote(access, beforeUpdate: beforeUpdate) { remote, callbacks throws(RemoteError) in
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            options.callbacks = callbacks
            options.follow_redirects = GIT_REMOTE_REDIRECT_NONE
            return withStringArray(refspecs) { array in git_remote_push(remote, &array, &options) }
        }
    }

    private func withRemote(
        _ access: RemoteAccess, beforeUpdate: (() -> Void)? = nil,
        _ operation: (OpaquePointer, git_remote_callbacks) throws(RemoteError) -> Int32
    ) throws(RemoteError) {
        let localPath = access.url.hasPrefix("file://") ? String(access.url.dropFirst("file://".count)) : access.url
        if localPath.hasPrefix("/") || localPath.hasPrefix("."), !FileManager.default.fileExists(atPath: localPath) {
            // libgit2 would say "unsupported URL protocol" about a path that is not there.
            throw RemoteError(kind: .unreachable, remote: access.displayURL, message: "no repository at \(localPath)", rejected: [:])
        }
        // A network operation whose connection stalled is tried once more on a new connection.
        do {
            try withRemoteOnce(access, beforeUpdate: beforeUpdate, operation)
        } catch let error where error.stalled {
            try withRemoteOnce(access, beforeUpdate: beforeUpdate, operation)
        }
    }

    private func withRemoteOnce(
        _ access: RemoteAccess, beforeUpdate: (() -> Void)?,
        _ operation: (OpaquePointer, git_remote_callbacks) throws(RemoteError) -> Int32
    ) throws(RemoteError) {
        var remote: OpaquePointer?
        // Anonymous: the URL (which may hold a user name) is never written to the repository's config.
        guard git_remote_create_anonymous(&remote, repository.pointer, access.url) == 0, let remote else {
            throw RemoteError(kind: .other, remote: access.displayURL, message: Self.lastMessage(), rejected: [:])
        }
        defer { git_remote_free(remote) }
        let state = RemoteCallbackState(access: access, beforeUpdate: beforeUpdate)
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.credentials = credentialCallback
        callbacks.certificate_check = certificateCallback
        callbacks.push_update_reference = pushUpdateReferenceCallback
        callbacks.push_negotiation = pushNegotiationCallback
        callbacks.transfer_progress = transferProgressCallback
        callbacks.sideband_progress = sidebandProgressCallback
        callbacks.push_transfer_progress = pushTransferProgressCallback
        callbacks.pack_progress = packProgressCallback
        let isNetwork = access.url.contains("://") ? !access.url.hasPrefix("file://") : access.url.contains("@")
        if isNetwork { state.watch = StalledConnectionWatch(port: state.port, idle: access.stallTimeout) }
        let result: Int32 = try withExtendedLifetime(state) { () throws(RemoteError) -> Int32 in
            callbacks.payload = Unmanaged.passUnretained(state).toOpaque()
            return try operation(remote, callbacks)
        }
        let stalled = state.watch?.stop() ?? false
        if result < 0 {
            let message = Self.lastMessage()
            if stalled {
                throw RemoteError(
                    kind: .unreachable, remote: access.displayURL,
                    message: "no progress for \(access.stallTimeout) (the connection was cut): \(Self.scrub(message, access: access))",
                    rejected: [:], stalled: true)
            }
            throw RemoteError(
                kind: Self.kind(result: result, message: message, state: state), remote: access.displayURL,
                message: Self.scrub(state.failure ?? message, access: access), rejected: state.rejected)
        }
        if !state.rejected.isEmpty {
            let reasons = state.rejected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            // A push that lost a race with another one is reported per reference too ("fetch first",
            // a ref lock held by the other push): that is for a new fetch, not a refusal.
            let lostRace = state.rejected.values.allSatisfy(Self.isLostRace)
            throw RemoteError(
                kind: lostRace ? .nonFastForward : .rejected, remote: access.displayURL, message: "the server refused \(reasons)",
                rejected: state.rejected)
        }
    }

    static func isLostRace(_ reason: String) -> Bool {
        let lower = reason.lowercased()
        return ["non-fast-forward", "fetch first", "failed to lock", "cannot lock", "failed to update ref", "stale info"]
            .contains { lower.contains($0) }
    }

    static func kind(result: Int32, message: String, state: RemoteCallbackState) -> RemoteError.Kind {
        switch result {
        case GIT_ENONFASTFORWARD.rawValue: return .nonFastForward
        case GIT_EAUTH.rawValue: return .authentication
        case GIT_ECERTIFICATE.rawValue: return .hostKey
        default:
            if state.failure != nil && state.credentialAttempts > 0 { return .authentication }
            let lower = message.lowercased()
            if lower.contains("authentication") || lower.contains("401") || lower.contains("403") { return .authentication }
            if lower.contains("failed to connect") || lower.contains("could not resolve") || lower.contains("connection refused")
                || lower.contains("failed to resolve") || lower.contains("timed out") || lower.contains("failed to start ssh session")
                || lower.contains("does not appear to be a git repository") || lower.contains("could not find repository")
                || lower.contains("http status code: 5")
            {
                return .unreachable
            }
            return .other
        }
    }

    /// libgit2's messages may quote the URL; the token must not travel with them.
    static func scrub(_ message: String, access: RemoteAccess) -> String {
        var text = message.replacingOccurrences(of: access.url, with: access.displayURL)
        for secret in [access.httpsToken, access.sshPassphrase].compactMap({ $0 }) where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return text
    }

    static func lastMessage() -> String {
        guard let error = git_error_last(), let text = error.pointee.message else { return "unknown error" }
        return String(cString: text)
    }
}

/// Runs `body` with a `git_strarray` of `strings`, valid only during the call.
func withStringArray<Result>(_ strings: [String], _ body: (inout git_strarray) -> Result) -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return body(&array)
    }
}
