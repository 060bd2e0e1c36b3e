import GitStore
import KapsoModels
import WorkflowRepo

/// Why a whole cycle failed. Problems with single workflows are not errors: they are in the report.
public enum SyncError: Error, Sendable, CustomStringConvertible {
    case kapso(KapsoAPIError)
    case git(GitError)
    /// The git server could not be fetched from or pushed to; what was committed stays in the local
    /// repository and is pushed by a later cycle.
    case remote(RemoteError)
    case invalidRepositoryFile(LayoutError)
    /// The branch moved while the cycle ran (someone pushed): nothing was lost, the next cycle retries.
    case branchMoved(branch: String)
    case state(String)
    /// The cycle would archive or remove too many workflows at once; nothing was written.
    case deletionBrake(deletions: Int, workflows: Int, limit: String)
    /// A stop was requested before the cycle wrote anything; nothing was written.
    case stopped

    public var description: String {
        switch self {
        case .kapso(let error): "Kapso API: \(error)"
        case .git(let error): "git: \(error)"
        case .remote(let error): "git server: \(error)"
        case .invalidRepositoryFile(let error): "repository: \(error)"
        case .branchMoved(let branch): "branch \(branch) moved during the cycle; the next cycle starts again from its new head"
        case .state(let detail): "state directory: \(detail)"
        case .deletionBrake(let deletions, let workflows, let limit):
            "deletion brake: this cycle would archive or remove \(deletions) of \(workflows) workflows (limit: \(limit)); nothing was written. Check the repository and Kapso, or raise sync.deletion_brake_count / sync.deletion_brake_percent"
        case .stopped: "stopped before writing anything"
        }
    }

    public var metricLabel: String {
        switch self {
        case .kapso(let error): "kapso_\(error.metricLabel)"
        case .git(let error): "git_\(error.metricLabel)"
        case .remote(let error): "remote_\(error.kind.metricLabel)"
        case .invalidRepositoryFile: "invalid_repository_file"
        case .branchMoved: "branch_moved"
        case .state: "state"
        case .deletionBrake: "deletion_brake"
        case .stopped: "stopped"
        }
    }

    /// The service the cycle could not reach, when that is why it failed: an outage that ends by
    /// itself (no answer, a 5xx, a 429 past every retry), as opposed to a refusal that needs a person.
    public var unavailableService: UnavailableService? {
        switch self {
        case .kapso(.transport): .kapso
        case .kapso(.http(let status, _, _)) where status >= 500 || status == 429: .kapso
        case .remote(let error) where error.kind == .unreachable: .gitServer
        default: nil
        }
    }

    /// Someone pushed while the cycle ran, every round of it: nothing failed, the next cycle simply
    /// starts again from the new head.
    public var isRetry: Bool {
        switch self {
        case .branchMoved: true
        case .remote(let error): error.kind == .nonFastForward
        default: false
        }
    }

    /// Whether the cycle failed, as opposed to being asked to stop.
    public var isFailure: Bool {
        if case .stopped = self { return false }
        return true
    }
}

/// A service a cycle depends on.
public enum UnavailableService: String, Sendable, CaseIterable, Comparable {
    case kapso
    case gitServer = "git_server"

    public var displayName: String {
        switch self {
        case .kapso: "Kapso"
        case .gitServer: "the git server"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
