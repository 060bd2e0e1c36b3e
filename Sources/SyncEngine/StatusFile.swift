import CanonicalJSON
import Foundation

/// What the last cycle found, written atomically to the state directory after every cycle, so that
/// `kapso-gitsync status` (and an operator's monitoring) can read it without asking a running service.
public struct StatusFile: Codable, Sendable, Equatable {
    public struct Workflow: Codable, Sendable, Equatable {
        public var slug: String
        public var id: String?
        /// `in_sync`, `conflict`, `invalid`, `error`, `deleted_in_git` or `missing_in_kapso`; after a dry run
        /// (a suspended service) also `pending_pull`, `pending_push`, `pending_create`, `pending_archive`, `pending_removal`.
        public var state: String
        public var detail: String?
        public var branch: String?
        /// For a conflict: each field both sides changed differently, with both values, and what each side
        /// changed since the last sync (when the merge could tell).
        public var conflicts: [String]?
        public var gitChanges: [String]?
        public var kapsoChanges: [String]?

        public init(
            slug: String, id: String?, state: String, detail: String? = nil, branch: String? = nil, conflicts: [String]? = nil,
            gitChanges: [String]? = nil, kapsoChanges: [String]? = nil
        ) {
            self.slug = slug
            self.id = id
            self.state = state
            self.detail = detail
            self.branch = branch
            self.conflicts = conflicts
            self.gitChanges = gitChanges
            self.kapsoChanges = kapsoChanges
        }

    }

    public var version = 1
    public var updatedAt: Double
    public var cycleID: String?
    /// `success`, `attention` (conflicts, invalid or unreadable workflows), `suspended` (a dry run that
    /// reports: the pending states tell what waits) or `error`.
    public var result: String
    public var lastError: String?
    public var lastSuccessAt: Double?
    public var commit: String?
    public var workflows: [Workflow]

    static let fileName = "status.json"

    public init(
        updatedAt: Double, cycleID: String? = nil, result: String, lastError: String? = nil, lastSuccessAt: Double? = nil,
        commit: String? = nil, workflows: [Workflow]
    ) {
        self.updatedAt = updatedAt
        self.cycleID = cycleID
        self.result = result
        self.lastError = lastError
        self.lastSuccessAt = lastSuccessAt
        self.commit = commit
        self.workflows = workflows
    }

    public static func load(from directory: String) -> StatusFile? {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(StatusFile.self, from: data)
    }

    public func save(to directory: String) throws {
        var unused: LaidOutWorkflows?
        try save(to: directory, reusing: &unused)
    }

    /// `laidOut`: the `workflows` array as last written, reused when the workflows are the same (an idle
    /// cycle changes only the times), and updated.
    /// Returns the bytes written.
    @discardableResult
    func save(to directory: String, reusing laidOut: inout LaidOutWorkflows?) throws -> [UInt8] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bytes = bytes(reusing: &laidOut)
        try AtomicFile.write(bytes, to: URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName))
        return bytes
    }

    struct LaidOutWorkflows: Sendable {
        let workflows: [Workflow]
        let bytes: [UInt8]
    }

    /// The document `JSONEncoder` would write with sorted keys, laid out by hand: at 10,000 workflows the
    /// encoder took 30–50 ms of every cycle.
    func bytes(reusing laidOut: inout LaidOutWorkflows?) -> [UInt8] {
        var writer = writerBeforeWorkflows()
        if let laidOut, laidOut.workflows == workflows {
            writer.output += laidOut.bytes
        } else {
            let array = Self.workflowsArray(workflows)
            writer.output += array
            laidOut = LaidOutWorkflows(workflows: workflows, bytes: array)
        }
        writer.closeObject()
        writer.output.append(0x0A)
        return writer.output
    }

    /// The document up to the value of its last member, `workflows`.
    func bytesBeforeWorkflows() -> [UInt8] { writerBeforeWorkflows().output }

    private func writerBeforeWorkflows() -> PrettyJSONWriter {
        var writer = PrettyJSONWriter()
        writer.openObject()
        writer.member("commit", string: commit)
        writer.member("cycleID", string: cycleID)
        writer.member("lastError", string: lastError)
        writer.member("lastSuccessAt", number: lastSuccessAt.flatMap(Self.number))
        writer.member("result", string: result)
        writer.member("updatedAt", number: Self.number(updatedAt))
        writer.member("version", number: String(version))
        writer.key("workflows")
        return writer
    }

    /// Where the value of the `workflows` member begins in a document `bytes` wrote: after the first
    /// `"workflows" : ` at the start of a line (the members before it are one line each, and a string
    /// in them cannot hold an unescaped quote).
    static func workflowsOffset(in document: [UInt8]) -> Int? {
        let key = Array("\n  \"workflows\" : ".utf8)
        guard document.count > key.count else { return nil }
        for start in 0...(document.count - key.count) where document[start] == key[0] {
            if document[start..<(start + key.count)].elementsEqual(key) { return start + key.count }
        }
        return nil
    }

    /// The `workflows` array as it appears inside the document.
    static func workflowsArray(_ workflows: [Workflow]) -> [UInt8] {
        var writer = PrettyJSONWriter(insideObjects: 1)
        writer.output.reserveCapacity(workflows.count * 120)
        writer.openArray()
        for workflow in workflows {
            writer.element()
            writer.openObject()
            writer.member("branch", string: workflow.branch)
            writer.member("conflicts", strings: workflow.conflicts)
            writer.member("detail", string: workflow.detail)
            writer.member("gitChanges", strings: workflow.gitChanges)
            writer.member("id", string: workflow.id)
            writer.member("kapsoChanges", strings: workflow.kapsoChanges)
            writer.member("slug", string: workflow.slug)
            writer.member("state", string: workflow.state)
            writer.closeObject()
        }
        writer.closeArray()
        return writer.output
    }

    /// A number as JSON text (Swift's shortest round-trip digits), or nil where JSON has none.
    static func number(_ value: Double) -> String? {
        value.isFinite ? String(value) : nil
    }

    /// The status after a completed cycle: every workflow of the base, with what needs attention.
    static func after(_ report: CycleReport, base: [String: String], now: Double, lastSuccessAt: Double?) -> StatusFile {
        // What is not in sync; the rest of the base is added in order at the end (at 10,000 workflows,
        // building all of them first and sorting the result was a tenth of an idle cycle).
        var workflows: [String: Workflow] = [:]
        if report.dryRun {
            let pending: [(String, [CommitMessage.SyncedWorkflow])] = [
                ("pending_pull", report.pulled), ("pending_push", report.pushed + report.merged.map(\.workflow)),
                ("pending_create", report.created),
            ]
            for (state, list) in pending {
                for workflow in list {
                    workflows[workflow.slug] = Workflow(slug: workflow.slug, id: workflow.id.isEmpty ? nil : workflow.id, state: state)
                }
            }
            for slug in report.archived { workflows[slug] = Workflow(slug: slug, id: base[slug], state: "pending_archive") }
            for slug in report.removed { workflows[slug] = Workflow(slug: slug, id: base[slug], state: "pending_removal") }
        }
        for conflict in report.conflicts {
            workflows[conflict.workflow] = Workflow(
                slug: conflict.workflow, id: base[conflict.workflow], state: "conflict", detail: conflict.reason, branch: conflict.branch,
                conflicts: conflict.details.isEmpty ? nil : conflict.details,
                gitChanges: conflict.gitChanges.isEmpty ? nil : conflict.gitChanges,
                kapsoChanges: conflict.kapsoChanges.isEmpty ? nil : conflict.kapsoChanges)
        }
        for invalid in report.invalid {
            let slug = invalid.workflow.hasPrefix("workflows/") ? String(invalid.workflow.dropFirst("workflows/".count)) : invalid.workflow
            let previous = workflows[slug]?.detail.map { $0 + "; " } ?? ""
            workflows[slug] = Workflow(slug: slug, id: base[slug], state: "invalid", detail: previous + invalid.reason)
        }
        for failure in report.failures {
            let slug = String(failure.workflow.split(separator: " ").first ?? Substring(failure.workflow))
            workflows[slug] = Workflow(slug: slug, id: base[slug], state: "error", detail: failure.reason)
        }
        for slug in report.deletedInGit { workflows[slug] = Workflow(slug: slug, id: base[slug], state: "deleted_in_git") }
        for slug in report.missingInKapso { workflows[slug] = Workflow(slug: slug, id: base[slug], state: "missing_in_kapso") }
        return StatusFile(
            updatedAt: now, cycleID: report.cycleID, result: report.dryRun ? "suspended" : report.needsAttention ? "attention" : "success",
            lastError: nil, lastSuccessAt: lastSuccessAt, commit: report.commit?.hex,
            workflows: allSlugs(base: base, others: workflows).map { workflows[$0] ?? Workflow(slug: $0, id: base[$0], state: "in_sync") })
    }

    private static func allSlugs(base: [String: String], others: [String: Workflow]) -> [String] {
        var slugs = Array(base.keys)
        for slug in others.keys where base[slug] == nil { slugs.append(slug) }
        return slugs.sorted()
    }
}
