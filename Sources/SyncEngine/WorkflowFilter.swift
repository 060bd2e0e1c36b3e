#if canImport(Glibc)
    import Glibc
#endif

/// Which workflows this instance syncs (`sync.include`, `sync.exclude`, `sync.statuses`). A workflow
/// left out is neither read, pulled, pushed, created, archived nor counted as deleted: its folder, its
/// remote-map entry and Kapso's copy stay exactly as they are. What Kapso says decides for a workflow
/// it lists (its slug and status now); the folder's name decides for one it does not.
public struct WorkflowFilter: Sendable, Equatable {
    /// Slug globs (`*`, `?`, `[a-z]`); empty: every slug.
    public var include: [String]
    /// Slug globs; a slug that matches one is left out even when included.
    public var exclude: [String]
    /// The statuses synced; nil: every status.
    public var statuses: Set<String>?

    public static let all = WorkflowFilter(include: [], exclude: [], statuses: nil)

    public init(include: [String], exclude: [String], statuses: Set<String>?) {
        self.include = include
        self.exclude = exclude
        self.statuses = statuses
    }

    public var isAll: Bool { include.isEmpty && exclude.isEmpty && statuses == nil }

    public func admits(slug: String) -> Bool {
        (include.isEmpty || include.contains { Self.glob($0, matches: slug) }) && !exclude.contains { Self.glob($0, matches: slug) }
    }

    public func admits(slug: String, status: String) -> Bool {
        admits(slug: slug) && (statuses.map { $0.contains(status) } ?? true)
    }

    /// Shell-style matching of a whole slug (no path separators in slugs, so `fnmatch` without flags).
    public static func glob(_ pattern: String, matches slug: String) -> Bool {
        fnmatch(pattern, slug, 0) == 0
    }
}
