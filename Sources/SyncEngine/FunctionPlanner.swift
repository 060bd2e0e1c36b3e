import WorkflowRepo

/// The three-way decision for every function, with no I/O: base (the remote-map's `functions`), local
/// (the files in `functions/<slug>/`, by the sha256 of their bytes, as the CLI records them) and remote
/// (what Kapso holds). The rules are the workflows' (`ReconcilePlanner`) without what functions lack:
/// there is no merge of two edits of one file of code (both changed is a conflict), no archive (a
/// folder removed in git is reported, and the function is never deleted), no rename of a folder.
public enum FunctionPlanner {
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

    public enum Action: Sendable, Equatable, ActsOnKapsoContent {
        /// Take Kapso's version: a new function, or one changed only in Kapso.
        case pull(id: String)
        /// Changed only in git: update it in Kapso.
        case push(id: String, folder: String)
        /// Both sides hold the same content: only the base moves (and a deployment git asked for is made).
        case adopt(id: String, folder: String)
        case conflict(id: String, folder: String, reason: String)
        /// A folder with no function in Kapso: create it.
        case create(folder: String)
        /// Removed in git, kept in Kapso and reported: the service never deletes a function.
        case deletedInGit(id: String, folder: String)
        case deletedInKapso(id: String, folder: String)
        /// Gone from Kapso: remove its folder (`sync.deleted_in_kapso: remove`).
        case removeFolder(id: String, folder: String)
        /// Gone on both sides: the base entry is dropped.
        case forget(id: String, folder: String)
        case refuse(id: String, slug: String, reason: String)
        case invalid(folder: String, reason: String)

        /// The function whose Kapso content must be read before acting.
        public var needsKapsoContent: String? {
            switch self {
            case .pull(let id), .push(let id, _), .adopt(let id, _), .conflict(let id, _, _): id
            default: nil
            }
        }
    }

    public static func plan(
        base: [String: RemoteMap.Entry], local: [String: Local], remote: [String: Remote],
        deletedInKapso: SyncConfiguration.DeletedInKapso = .report
    ) -> [Action] {
        var actions: [Action] = []
        var claimed = Set<String>()
        let baseIDs = Set(base.values.map(\.id))
        for entry in base.values.sorted(by: { $0.slug < $1.slug }) {
            let folder = entry.slug
            let kapso = remote[entry.id].map { (slug: $0.slug, hashes: $0.hashes ?? entry.files) }
            let remoteChanged = kapso.map { $0.hashes != entry.files || $0.slug != folder } ?? false
            claimed.insert(folder)
            switch (local[folder], kapso) {
            case (nil, nil):
                actions.append(.forget(id: entry.id, folder: folder))
            case (nil, _?):
                actions.append(
                    remoteChanged
                        ? .conflict(id: entry.id, folder: folder, reason: "deleted in git but changed in Kapso")
                        : .deletedInGit(id: entry.id, folder: folder))
            case (.invalid(let reason)?, _):
                actions.append(
                    remoteChanged
                        ? .conflict(id: entry.id, folder: folder, reason: "changed in Kapso while the files in git are invalid: \(reason)")
                        : .invalid(folder: folder, reason: reason))
            case (.files(let hashes)?, nil):
                if hashes != entry.files {
                    actions.append(.conflict(id: entry.id, folder: folder, reason: "changed in git but deleted in Kapso"))
                } else {
                    actions.append(
                        deletedInKapso == .remove
                            ? .removeFolder(id: entry.id, folder: folder) : .deletedInKapso(id: entry.id, folder: folder))
                }
            case (.files(let hashes)?, let kapso?):
                let localChanged = hashes != entry.files
                if kapso.slug != folder, let holder = base[kapso.slug], holder.id != entry.id {
                    actions.append(
                        .refuse(id: entry.id, slug: kapso.slug, reason: "folder functions/\(kapso.slug) belongs to function \(holder.id)"))
                    continue
                }
                switch (localChanged, remoteChanged) {
                case (false, false): break
                case (false, true):
                    if kapso.slug != folder, local[kapso.slug] != nil {
                        actions.append(
                            .refuse(id: entry.id, slug: kapso.slug, reason: "folder functions/\(kapso.slug) in git is in the way"))
                    } else {
                        actions.append(.pull(id: entry.id))
                    }
                case (true, false): actions.append(.push(id: entry.id, folder: folder))
                case (true, true):
                    if kapso.slug != folder {
                        actions.append(.conflict(id: entry.id, folder: folder, reason: "changed in git while its slug changed in Kapso"))
                    } else if hashes == kapso.hashes {
                        actions.append(.adopt(id: entry.id, folder: folder))
                    } else {
                        actions.append(.conflict(id: entry.id, folder: folder, reason: "changed both in git and in Kapso"))
                    }
                }
            }
        }
        // New in Kapso: its folder, unless that folder is another function's or new in git and different.
        for (id, state) in remote.sorted(by: { $0.key < $1.key }) where !baseIDs.contains(id) {
            if let holder = base[state.slug] {
                actions.append(
                    .refuse(id: id, slug: state.slug, reason: "folder functions/\(state.slug) belongs to function \(holder.id)"))
                continue
            }
            switch local[state.slug] {
            case nil:
                actions.append(.pull(id: id))
            case .files(let hashes)?:
                actions.append(
                    hashes == state.hashes
                        ? .adopt(id: id, folder: state.slug)
                        : .conflict(id: id, folder: state.slug, reason: "a new folder in git and a new function in Kapso share this slug"))
            case .invalid(let reason)?:
                actions.append(.invalid(folder: state.slug, reason: reason))
            }
            claimed.insert(state.slug)
        }
        for folder in local.keys.sorted() where !claimed.contains(folder) {
            switch local[folder]! {
            case .invalid(let reason): actions.append(.invalid(folder: folder, reason: reason))
            case .files: actions.append(.create(folder: folder))
            }
        }
        return actions
    }

    /// The functions whose Kapso content must be read before `actions` are carried out.
    public static func unreadBeforeActing(_ actions: [Action], read: Set<String>) -> [String] {
        actions.unreadBeforeActing(read: read)
    }
}
