import WorkflowRepo

/// The three-way decision for every workflow, with no I/O: base (the remote-map), local (the files on
/// the branch, compared by the hashes of their canonical bytes) and remote (what Kapso holds now).
/// "Changed" compares content; `lock_version` only says which remote content to fetch. The deletion
/// policies are applied here too, so the executor only carries actions out.
public enum ReconcilePlanner {
    public enum Local: Sendable, Equatable {
        case files(hashes: [String: String])
        case invalid(reason: String)
        /// The folder's `workflow.yaml` names the slug `from`: the folder of that workflow moved in git
        /// (a rename, when that workflow's own folder is gone), or a copy of it (an error).
        case moved(from: String, reason: String)
    }

    public struct Remote: Sendable, Equatable {
        public var slug: String
        /// nil: known to equal the base (not fetched this cycle, or fetched and found equal).
        public var hashes: [String: String]?
        /// Kapso's status (from the list): an archived workflow whose folder was removed stays away
        /// until it is restored.
        public var status: String?

        public init(slug: String, hashes: [String: String]?, status: String? = nil) {
            self.slug = slug
            self.hashes = hashes
            self.status = status
        }
    }

    public struct Policy: Sendable, Equatable {
        public var deletedInGit: SyncConfiguration.DeletedInGit
        public var deletedInKapso: SyncConfiguration.DeletedInKapso
        /// Both sides changed: merge them (`sync.auto_merge`), or make every such pair a conflict.
        public var autoMerge: Bool

        public init(
            deletedInGit: SyncConfiguration.DeletedInGit = .report, deletedInKapso: SyncConfiguration.DeletedInKapso = .report,
            autoMerge: Bool = true
        ) {
            self.deletedInGit = deletedInGit
            self.deletedInKapso = deletedInKapso
            self.autoMerge = autoMerge
        }
    }

    public enum Action: Sendable, Equatable, ActsOnKapsoContent {
        case pull(id: String)
        case push(id: String, folder: String)
        /// Both sides changed to the same content: only the base moves.
        case adopt(id: String)
        case conflict(id: String, folder: String, reason: String)
        /// Both sides changed the workflow (same folder, same slug): merge their edits; what both changed
        /// differently is a conflict.
        case merge(id: String, folder: String)
        /// A folder with no workflow in Kapso: create it.
        case create(folder: String)
        /// The folder was renamed in git: push under the new slug.
        case rename(id: String, from: String, to: String)
        /// Removed in git, kept in Kapso and reported (`sync.deleted_in_git: report`).
        case deletedInGit(id: String, folder: String)
        /// Removed in git: archive it in Kapso (`sync.deleted_in_git: archive`).
        case archive(id: String, folder: String)
        /// Gone from Kapso, folder kept and reported (`sync.deleted_in_kapso: report`).
        case deletedInKapso(id: String, folder: String)
        /// Gone from Kapso: remove its folder (`sync.deleted_in_kapso: remove`).
        case removeFolder(id: String, folder: String)
        /// Gone on both sides: the base entry is dropped.
        case forget(id: String, folder: String)
        /// Kapso's answer would take the folder of another workflow: nothing is done.
        case refuse(id: String, slug: String, reason: String)
        case invalid(folder: String, reason: String)

        /// The workflow whose current Kapso content the action needs (it is read before acting).
        public var needsKapsoContent: String? {
            switch self {
            case .pull(let id), .push(let id, _), .adopt(let id), .conflict(let id, _, _), .merge(let id, _), .rename(let id, _, _),
                .archive(let id, _):
                id
            default: nil
            }
        }

        /// Whether it archives or removes a workflow: what the deletion brake counts.
        public var deletes: Bool {
            switch self {
            case .archive, .removeFolder: true
            default: false
            }
        }
    }

    public static func plan(
        base: RemoteMap, local: [String: Local], remote: [String: Remote], policy: Policy = Policy()
    ) -> [Action] {
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
            case (.invalid(let reason), let remoteHashes), (.moved(_, let reason), let remoteHashes):
                if remoteHashes == nil || (remoteHashes == entry.files && remoteState?.slug == entry.slug) {
                    actions.append(.invalid(folder: entry.slug, reason: reason))
                } else {
                    actions.append(
                        .conflict(
                            id: entry.id, folder: entry.slug, reason: "changed in Kapso while the files in git are invalid: \(reason)"))
                }
            case (.files(let localHashes), nil):
                if localHashes != entry.files {
                    actions.append(.conflict(id: entry.id, folder: entry.slug, reason: "changed in git but deleted in Kapso"))
                } else if policy.deletedInKapso == .remove {
                    actions.append(.removeFolder(id: entry.id, folder: entry.slug))
                } else {
                    actions.append(.deletedInKapso(id: entry.id, folder: entry.slug))
                }
            case (.files(let localHashes), let remoteHashes?):
                let localChanged = localHashes != entry.files
                let remoteChanged = remoteHashes != entry.files || remoteState?.slug != entry.slug
                // A slug changed in Kapso to one whose folder is another workflow's: refused while that folder
                // is there (the other workflow is still in Kapso, or deleted there and its folder kept).
                if let newSlug = remoteState?.slug, newSlug != entry.slug, let holder = base.workflows[newSlug], holder.id != entry.id,
                    remote[holder.id] != nil || local[newSlug] != nil
                {
                    let whose = remote[holder.id] != nil ? "" : ", deleted in Kapso and kept in git"
                    actions.append(
                        .refuse(id: entry.id, slug: newSlug, reason: "folder workflows/\(newSlug) belongs to workflow \(holder.id)\(whose)")
                    )
                    continue
                }
                switch (localChanged, remoteChanged) {
                case (false, false): break
                case (false, true): actions.append(.pull(id: entry.id))
                case (true, false): actions.append(.push(id: entry.id, folder: entry.slug))
                case (true, true):
                    if remoteState?.slug != entry.slug {
                        actions.append(
                            .conflict(id: entry.id, folder: entry.slug, reason: "changed in git while its slug changed in Kapso"))
                    } else if localHashes == remoteHashes {
                        actions.append(.adopt(id: entry.id))
                    } else {
                        actions.append(
                            policy.autoMerge
                                ? .merge(id: entry.id, folder: entry.slug)
                                : .conflict(id: entry.id, folder: entry.slug, reason: "changed both in git and in Kapso"))
                    }
                }
            }
        }

        // Workflows new in Kapso get their folder, unless that folder is someone else's: a workflow still
        // in Kapso, one deleted in Kapso whose folder is kept (or changed in git), a folder new in git
        // that differs, or one that cannot be read. Only a folder that is being removed is taken over.
        var newInKapso: [(key: String, value: Remote)] = []
        for entry in remote where !base.hasWorkflow(id: entry.key) { newInKapso.append(entry) }
        for (id, state) in newInKapso.sorted(by: { $0.key < $1.key }) {
            if let holder = base.workflows[state.slug] {
                if remote[holder.id] != nil {
                    actions.append(
                        .refuse(id: id, slug: state.slug, reason: "folder workflows/\(state.slug) belongs to workflow \(holder.id)"))
                } else if let index = actions.firstIndex(of: .removeFolder(id: holder.id, folder: state.slug)) {
                    actions[index] = .pull(id: id)
                } else if local[state.slug] == nil {
                    claimedFolders.insert(state.slug)
                    actions.append(.pull(id: id))
                } else {
                    actions.append(
                        .refuse(
                            id: id, slug: state.slug,
                            reason: "folder workflows/\(state.slug) is kept for workflow \(holder.id), deleted in Kapso"))
                }
                continue
            }
            switch local[state.slug] {
            case nil:
                claimedFolders.insert(state.slug)
                actions.append(.pull(id: id))
            case .files(let hashes)? where !claimedFolders.contains(state.slug):
                claimedFolders.insert(state.slug)
                actions.append(
                    hashes == state.hashes
                        ? .adopt(id: id)
                        : .conflict(id: id, folder: state.slug, reason: "a new folder in git and a new workflow in Kapso share this slug"))
            default:
                actions.append(
                    .refuse(id: id, slug: state.slug, reason: "folder workflows/\(state.slug) in git is in the way and is not in sync"))
            }
        }

        // New folders in git: a moved folder (its `slug:` names a vanished one, or its definition is the
        // vanished one's, unchanged), or a new workflow.
        var unpaired = missingLocally
        let movedFrom = Dictionary(
            grouping: local.compactMap { folder, state -> (String, String)? in
                if case .moved(let from, _) = state, !claimedFolders.contains(folder) { return (from, folder) }
                return nil
            }, by: \.0)
        // Folders that say which workflow they hold (`.moved`) are paired before a definition is matched:
        // a copy made next to a moved folder must not take the workflow from it.
        let newFolders = local.keys.sorted().filter { !claimedFolders.contains($0) }
        let saysWhich = newFolders.filter { if case .files = local[$0]! { false } else { true } }
        for folder in saysWhich + newFolders.filter({ !saysWhich.contains($0) }) {
            switch local[folder]! {
            case .invalid(let reason):
                actions.append(.invalid(folder: folder, reason: reason))
            case .moved(let from, let reason):
                let index = unpaired.firstIndex { $0.slug == from && !$0.files.isEmpty }
                guard let index, movedFrom[from]?.count == 1 else {
                    // A copy, or several folders claiming one workflow: an error, and the workflow they
                    // name is not taken as removed.
                    if let index { unpaired.remove(at: index) }
                    actions.append(.invalid(folder: folder, reason: reason))
                    continue
                }
                actions.append(renameOrConflict(unpaired.remove(at: index), to: folder, remote: remote))
            case .files(let hashes):
                let definitionHash = hashes["\(RepositoryLayout.workflowsFolder)/\(folder)/definition.json"]
                if let index = unpaired.firstIndex(where: { entry in
                    definitionHash != nil
                        && entry.files["\(RepositoryLayout.workflowsFolder)/\(entry.slug)/definition.json"] == definitionHash
                }) {
                    actions.append(renameOrConflict(unpaired.remove(at: index), to: folder, remote: remote))
                } else {
                    actions.append(.create(folder: folder))
                }
            }
        }
        for entry in unpaired {
            // A tombstone: removed from git and archived in Kapso. It comes back only when it is restored in Kapso.
            if entry.files.isEmpty {
                if let state = remote[entry.id], let status = state.status, status != "archived" { actions.append(.pull(id: entry.id)) }
                continue
            }
            if let state = remote[entry.id] {
                let remoteUnchanged = (state.hashes ?? entry.files) == entry.files && state.slug == entry.slug
                if !remoteUnchanged {
                    actions.append(.conflict(id: entry.id, folder: entry.slug, reason: "deleted in git but changed in Kapso"))
                } else if policy.deletedInGit == .archive {
                    actions.append(.archive(id: entry.id, folder: entry.slug))
                } else {
                    actions.append(.deletedInGit(id: entry.id, folder: entry.slug))
                }
            } else {
                actions.append(.forget(id: entry.id, folder: entry.slug))
            }
        }
        return actions
    }

    private static func renameOrConflict(_ entry: RemoteMap.Entry, to folder: String, remote: [String: Remote]) -> Action {
        let remoteUnchanged = remote[entry.id].map { ($0.hashes ?? entry.files) == entry.files && $0.slug == entry.slug } ?? false
        return remoteUnchanged
            ? .rename(id: entry.id, from: entry.slug, to: folder)
            : .conflict(id: entry.id, folder: folder, reason: "folder renamed in git while the workflow changed in Kapso")
    }

    /// Whether a cycle would archive or remove too many workflows: more than `brake.count` and more
    /// than `brake.percent` of them. A mass deletion is far more often a mistake (a bad merge, an API
    /// answering an empty list) than intent, and the whole cycle is refused.
    public static func exceedsDeletionBrake(deletions: Int, workflows: Int, brake: (count: Int, percent: Int)) -> Bool {
        deletions > brake.count && deletions * 100 > brake.percent * max(workflows, 1)
    }

    /// The workflows whose Kapso content must be read before `actions` are carried out: a write is
    /// never decided on a version that was only assumed to equal the base (a trigger edit does not
    /// move `lock_version`), and a pull needs the content it writes.
    public static func unreadBeforeActing(_ actions: [Action], read: Set<String>) -> [String] {
        actions.unreadBeforeActing(read: read)
    }
}
