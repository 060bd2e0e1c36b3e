import GitStore

/// What the engine needs to know about the repository side of a sync.
public struct SyncConfiguration: Sendable {
    /// The branch the workflows live on, e.g. `main` (a short name, not `refs/heads/…`).
    public var branch: String
    public var author: Signature
    /// Where the service keeps what is not worth committing (which lock_versions are known to match the base).
    public var stateDirectory: String
    /// The period of the pass that fetches every definition and trigger list, for changes that do not
    /// move `lock_version` (trigger edits). 0 makes every cycle a full pass.
    public var fullResyncIntervalSeconds: Int
    /// For `.kapso/project.json` when the service creates it.
    public var projectID: String?
    public var projectName: String?
    /// What to do when a workflow's folder is removed in git: report it, or archive the workflow in Kapso.
    public var deletedInGit: DeletedInGit
    /// What to do when a workflow disappears from Kapso: report it, or remove its folder.
    public var deletedInKapso: DeletedInKapso
    /// The brake: a cycle that would archive or remove more than `count` workflows and more than
    /// `percent` of them is refused whole.
    public var deletionBrake: (count: Int, percent: Int)
    /// Both sides changed a workflow: merge their edits (`sync.auto_merge`), or make it a conflict.
    public var autoMerge: Bool
    /// The git server the branch lives on; nil: the local repository is the only one.
    public var remote: RemoteSync?
    /// Which workflows are synced; the others are left exactly as they are on both sides.
    public var filter: WorkflowFilter
    /// Where the project lives in the repository (`repository.root`).
    public var root: ProjectRoot
    /// Whether functions (`functions/<slug>/`) are synced too, and deployed after each write.
    public var functions: FunctionSettings
    /// When loose objects are packed after a cycle that wrote some (`repository.pack_loose_*`).
    public var packing = PackingPolicy.standard

    public struct FunctionSettings: Sendable, Equatable {
        /// `functions.sync`: functions are synced both ways like workflows.
        public var sync: Bool
        /// `functions.deploy`: a function written to Kapso is then deployed (code takes effect only then).
        public var deploy: Bool

        public init(sync: Bool = true, deploy: Bool = true) {
            self.sync = sync
            self.deploy = deploy
        }
    }

    public enum DeletedInGit: String, Sendable, CaseIterable { case report, archive }
    public enum DeletedInKapso: String, Sendable, CaseIterable { case report, remove }

    public init(
        branch: String = "main", author: Signature, stateDirectory: String, fullResyncIntervalSeconds: Int = 3600,
        projectID: String? = nil, projectName: String? = nil, deletedInGit: DeletedInGit = .report,
        deletedInKapso: DeletedInKapso = .report, deletionBrake: (count: Int, percent: Int) = (3, 10), autoMerge: Bool = true,
        remote: RemoteSync? = nil, filter: WorkflowFilter = .all, root: ProjectRoot = .repositoryRoot,
        functions: FunctionSettings = FunctionSettings()
    ) {
        self.functions = functions
        self.filter = filter
        self.root = root
        self.autoMerge = autoMerge
        self.remote = remote
        self.branch = branch
        self.author = author
        self.stateDirectory = stateDirectory
        self.fullResyncIntervalSeconds = fullResyncIntervalSeconds
        self.projectID = projectID
        self.projectName = projectName
        self.deletedInGit = deletedInGit
        self.deletedInKapso = deletedInKapso
        self.deletionBrake = deletionBrake
    }

    public var branchReference: String { "refs/heads/\(branch)" }
}
