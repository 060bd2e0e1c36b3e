import WorkflowRepo

/// The three-way decision for every workflow, with no I/O: base (the remote-map), local (the files on
/// the branch, compared by the hashes of their canonical bytes) and remote (what Kapso holds now).
/// "Changed" compares content; `lock_version` only says which remote content to fetch.
public enum ReconcilePlanner {
    public enum Local: Sendable, Equatable {
        case files(hashes: [String: String])
        case invalid(reason: String)
    }

    public struct Remote: Sendable, Equatable {
        public var slug: String
        /// nil: known to equal the base (not fetched this cycle, or fetched and found equal).
        public var hashes: [String: String]?

        public init(slug: String, hashes: [String: String]?) {
            self.slug = slug
            self.hashes = hashes
        }
    }

    public enum Action: Sendable, Equatable {
        case pull(id: String)
        case push(id: String, folder: String)
        /// Both sides changed to the same content: only the base moves.
        case adopt(id: String)
        case conflict(id: String, folder: String, reason: String)
        /// A folder with no workflow in Kapso: create it.
        case create(folder: String)
        /// The folder was renamed in git: push under the new slug.
        case rename(id: String, from: String, to: String)
        case deletedInGit(id: String, folder: String)
        case deletedInKapso(id: String, folder: String)
        /// Gone on both sides: the base entry is dropped.
        case forget(id: String, folder: String)
        /// Kapso's answer would take the folder of another workflow: nothing is done.
        case refuse(id: String, slug: String, reason: String)
        case invalid(folder: String, reason: String)
    }

    public static func plan(base: RemoteMap, local: [String: Local], remote: [String: Remote]) -> [Action] {
        var actions: [Action] = []
        var claimedFolders = Set<String>()
        var missingLocally: [RemoteMap.Entry] = []

        for entry in base.workflows.values.sorted(by: { $0.slug < $1.slug }) {
            let remoteState = remote[entry.id]
            let remoteHashes = remoteState.map { $0.hashes ?? entry.files }
            guard let localState = local[entry.slug] else {
                missingLocally.append(entry)
                continue
            }
            claimedFolders.insert(entry.slug)
            switch (localState, remoteHashes) {
            case (.invalid(let reason), nil):
                actions.append(.invalid(folder: entry.slug, reason: reason))
            case (.invalid(let reason), let remoteHashes?):
                if remoteHashes == entry.files && remoteState?.slug == entry.slug {
                    actions.append(.invalid(folder: entry.slug, reason: reason))
                } else {
                    actions.append(
                        .conflict(
                            id: entry.id, folder: entry.slug, reason: "changed in Kapso while the files in git are invalid: \(reason)"))
                }
            case (.files(let localHashes), nil):
                actions.append(
                    localHashes == entry.files
                        ? .deletedInKapso(id: entry.id, folder: entry.slug)
                        : .conflict(id: entry.id, folder: entry.slug, reason: "changed in git but deleted in Kapso"))
            case (.files(let localHashes), let remoteHashes?):
                let localChanged = localHashes != entry.files
                let remoteChanged = remoteHashes != entry.files || remoteState?.slug != entry.slug
                if let newSlug = remoteState?.slug, newSlug != entry.slug, let holder = base.workflows[newSlug], holder.id != entry.id,
                    remote[holder.id] != nil
                {
                    actions.append(
                        .refuse(id: entry.id, slug: newSlug, reason: "folder workflows/\(newSlug) belongs to workflow \(holder.id)"))
                    continue
                }
                switch (localChanged, remoteChanged) {
                case (false, false): break
                case (false, true): actions.append(.pull(id: entry.id))
                case (true, false): actions.append(.push(id: entry.id, folder: entry.slug))
                case (true, true):
                    actions.append(
                        localHashes == remoteHashes && remoteState?.slug == entry.slug
                            ? .adopt(id: entry.id)
                            : .conflict(id: entry.id, folder: entry.slug, reason: "changed both in git and in Kapso"))
                }
            }
        }

        // Workflows new in Kapso get their folder, unless a folder of that name is new in git too, or
        // belongs to a workflow still in Kapso. One that takes the slug of a workflow deleted in Kapso
        // takes its folder over.
        for (id, state) in remote.sorted(by: { $0.key < $1.key }) where base.entry(forID: id) == nil {
            if let holder = base.workflows[state.slug] {
                if remote[holder.id] != nil {
                    actions.append(
                        .refuse(id: id, slug: state.slug, reason: "folder workflows/\(state.slug) belongs to workflow \(holder.id)"))
                    continue
                }
                if let index = actions.firstIndex(where: { $0 == .deletedInKapso(id: holder.id, folder: state.slug) }) {
                    actions[index] = .pull(id: id)
                } else if let index = actions.firstIndex(where: { action in
                    if case .conflict(holder.id, state.slug, _) = action { return true }
                    return false
                }) {
                    actions[index] = .conflict(
                        id: id, folder: state.slug,
                        reason: "a new workflow in Kapso took the slug of one deleted in Kapso and changed in git")
                } else {
                    claimedFolders.insert(state.slug)
                    actions.append(.pull(id: id))
                }
                continue
            }
            if case .files(let hashes)? = local[state.slug], !claimedFolders.contains(state.slug) {
                claimedFolders.insert(state.slug)
                actions.append(
                    hashes == state.hashes
                        ? .adopt(id: id)
                        : .conflict(id: id, folder: state.slug, reason: "a new folder in git and a new workflow in Kapso share this slug"))
            } else {
                claimedFolders.insert(state.slug)
                actions.append(.pull(id: id))
            }
        }

        // New folders in git: a renamed folder (the definition of a vanished one, unchanged) or a new workflow.
        var unpaired = missingLocally
        for folder in local.keys.sorted() where !claimedFolders.contains(folder) {
            switch local[folder]! {
            case .invalid(let reason):
                actions.append(.invalid(folder: folder, reason: reason))
            case .files(let hashes):
                let definitionHash = hashes["\(RepositoryLayout.workflowsFolder)/\(folder)/definition.json"]
                if let index = unpaired.firstIndex(where: { entry in
                    definitionHash != nil
                        && entry.files["\(RepositoryLayout.workflowsFolder)/\(entry.slug)/definition.json"] == definitionHash
                }) {
                    let entry = unpaired.remove(at: index)
                    let remoteUnchanged =
                        remote[entry.id].map { ($0.hashes ?? entry.files) == entry.files && $0.slug == entry.slug } ?? false
                    actions.append(
                        remoteUnchanged
                            ? .rename(id: entry.id, from: entry.slug, to: folder)
                            : .conflict(id: entry.id, folder: folder, reason: "folder renamed in git while the workflow changed in Kapso"))
                } else {
                    actions.append(.create(folder: folder))
                }
            }
        }
        for entry in unpaired {
            // A tombstone: removed from git and archived in Kapso. Only a change in Kapso brings it back.
            if entry.files.isEmpty {
                if let state = remote[entry.id], let hashes = state.hashes, !hashes.isEmpty { actions.append(.pull(id: entry.id)) }
                continue
            }
            if let state = remote[entry.id] {
                let remoteUnchanged = (state.hashes ?? entry.files) == entry.files && state.slug == entry.slug
                actions.append(
                    remoteUnchanged
                        ? .deletedInGit(id: entry.id, folder: entry.slug)
                        : .conflict(id: entry.id, folder: entry.slug, reason: "deleted in git but changed in Kapso"))
            } else {
                actions.append(.forget(id: entry.id, folder: entry.slug))
            }
        }
        return actions
    }
}
