/// Short identifiers for a graph's nodes in Mermaid and DOT (`n0`, `n1`, …): node ids may hold
/// hyphens or words the two languages reserve (`end`, `graph`), stand-ins hold spaces.
struct GraphIDs {
    private var byNode: [String: String] = [:]

    init(_ graph: WorkflowGraph) {
        for (index, node) in graph.nodes.enumerated() where byNode[node.id] == nil { byNode[node.id] = "n\(index)" }
    }

    subscript(node: String) -> String? { byNode[node] }

    /// The edges between drawn nodes: an edge to a node the definition lacks is the validator's to report.
    func drawnEdges(_ graph: WorkflowGraph) -> [WorkflowGraph.Edge] {
        graph.edges.filter { byNode[$0.source] != nil && byNode[$0.target] != nil }
    }

    /// A label fit for a box: one line of at most 40 characters.
    static func shortened(_ label: String) -> String {
        let line = label.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 40 ? String(line.prefix(39)) + "…" : line
    }
}
