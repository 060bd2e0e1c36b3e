import KapsoModels

/// The id ↔ slug tables for references inside definitions: functions (`function_id` ↔
/// `function_slug`) and called workflows (`call`'s `workflow_id` ↔ `workflow_slug`).
public struct ReferenceMaps: Sendable {
    public var functionSlugByID: [String: String]
    public var workflowSlugByID: [String: String]
    /// Set for an API without slugs (legacy): references stay ids in the files, and an id with no slug is
    /// no reason for a warning.
    public var keepsIDs = false

    /// The maps of an API without slugs.
    public static let idsKept: ReferenceMaps = {
        var maps = ReferenceMaps()
        maps.keepsIDs = true
        return maps
    }()

    public init(functionSlugByID: [String: String] = [:], workflowSlugByID: [String: String] = [:]) {
        self.functionSlugByID = functionSlugByID
        self.workflowSlugByID = workflowSlugByID
    }

    public init(functions: [FunctionSummary], workflows: [WorkflowSummary]) {
        functionSlugByID = Dictionary(functions.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first })
        workflowSlugByID = Dictionary(workflows.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first })
    }
}
