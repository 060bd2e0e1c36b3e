import KapsoModels

/// The id ↔ slug tables for references inside definitions: functions (`function_id` ↔
/// `function_slug`) and called workflows (`call`'s `workflow_id` ↔ `workflow_slug`).
public struct ReferenceMaps: Sendable {
    public var functionSlugByID: [String: String]
    public var workflowSlugByID: [String: String]

    public init(functionSlugByID: [String: String] = [:], workflowSlugByID: [String: String] = [:]) {
        self.functionSlugByID = functionSlugByID
        self.workflowSlugByID = workflowSlugByID
    }

    public init(functions: [FunctionSummary], workflows: [WorkflowSummary]) {
        functionSlugByID = Dictionary(functions.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first })
        workflowSlugByID = Dictionary(workflows.map { ($0.id, $0.slug) }, uniquingKeysWith: { first, _ in first })
    }
}
