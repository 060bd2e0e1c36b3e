import KapsoModels
import WorkflowRepo

/// Decides, with no I/O, which workflows a cycle must read from Kapso: those new to the base, those whose
/// `lock_version` moved since the base (unless that version is already known to hold the same
/// content), and all of them on a full pass.
public enum FetchPlanner {
    public struct Plan: Sendable, Equatable {
        /// Workflows whose definition and triggers must be read.
        public var fetch: [WorkflowSummary] = []
        /// Workflows known to match the base.
        public var upToDate: [WorkflowSummary] = []
        /// Workflows that cannot be synced, with the reason, by name.
        public var rejected: [Rejection] = []
        /// The ids of the listed workflows among `rejected` (an unreadable list entry has none).
        public var rejectedIDs: Set<String> = []
    }

    public struct Rejection: Sendable, Equatable {
        public let workflow: String
        public let reason: String

        public init(workflow: String, reason: String) {
            self.workflow = workflow
            self.reason = reason
        }
    }

    /// What the state directory remembers of one workflow: this `lock_version` was fetched and found
    /// to hold exactly the base whose file hashes are `files`.
    public struct KnownVersion: Sendable, Equatable, Codable {
        public var lockVersion: Int?
        public var files: [String: String]

        public init(lockVersion: Int?, files: [String: String]) {
            self.lockVersion = lockVersion
            self.files = files
        }
    }

    /// A version of a workflow whose answer was unreadable, with the reason.
    public struct Unreadable: Sendable, Equatable, Codable {
        public var lockVersion: Int?
        public var reason: String

        public init(lockVersion: Int?, reason: String) {
            self.lockVersion = lockVersion
            self.reason = reason
        }
    }

    /// `pending`: read these even when the base says they are up to date (a full pass missed them).
    /// `unreadable`: do not read these versions again before the next full pass; report them.
    public static func plan(
        list: WorkflowList, base: RemoteMap, known: [String: KnownVersion], fullPass: Bool, pending: Set<String> = [],
        unreadable: [String: Unreadable] = [:]
    ) -> Plan {
        var plan = Plan()
        for entry in list.invalid {
            plan.rejected.append(Rejection(workflow: entry.reference, reason: "unreadable list entry: \(entry.reason)"))
        }
        // Each look-up counts at 10,000 workflows: the map's dictionaries are taken once, a workflow's
        // folder is found by its id once, and the ids listed are gathered only if a folder's holder
        // must be asked about.
        let workflows = base.workflows
        let folderByID = base.slugByID
        var slugOwner: [String: String] = [:]
        slugOwner.reserveCapacity(list.workflows.count)
        var listedIDs: Set<String>?
        for summary in list.workflows {
            // Made only for a rejection: at 10,000 workflows every string made per workflow counts.
            func display() -> String { "\(summary.slug) (\(summary.id))" }
            func reject(_ workflow: String, _ reason: String) {
                plan.rejected.append(Rejection(workflow: workflow, reason: reason))
                plan.rejectedIDs.insert(summary.id)
            }
            guard Slug.isValid(summary.slug) else {
                reject("\"\(summary.name)\" (\(summary.id))", LayoutError.invalidSlug(summary.slug).description)
                continue
            }
            if let owner = slugOwner[summary.slug] {
                reject(display(), "slug already used by workflow \(owner)")
                continue
            }
            // The base's folder of this workflow is its slug's folder: no other workflow holds it.
            let folder = folderByID[summary.id]
            if folder != summary.slug, let holder = workflows[summary.slug], holder.id != summary.id {
                if listedIDs == nil { listedIDs = Set(list.workflows.map(\.id)) }
                if listedIDs?.contains(holder.id) == true {
                    reject(display(), "folder workflows/\(summary.slug) belongs to workflow \(holder.id)")
                    continue
                }
            }
            slugOwner[summary.slug] = summary.id
            if !fullPass, let known = unreadable[summary.id], known.lockVersion == summary.lockVersion {
                reject(display(), known.reason)
                continue
            }
            guard !fullPass, !pending.contains(summary.id), let folder, let entry = workflows[folder], entry.slug == summary.slug else {
                plan.fetch.append(summary)
                continue
            }
            // The files are compared only when the lock_version alone does not settle it: at 10,000
            // workflows that comparison was a tenth of an idle cycle.
            if entry.lockVersion == summary.lockVersion
                || known[summary.id].map({ $0.lockVersion == summary.lockVersion && $0.files == entry.files }) ?? false
            {
                plan.upToDate.append(summary)
            } else {
                plan.fetch.append(summary)
            }
        }
        return plan
    }
}
