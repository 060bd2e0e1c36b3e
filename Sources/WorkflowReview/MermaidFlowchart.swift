/// A `WorkflowGraph` as a Mermaid flowchart, which GitHub and GitLab draw in comments and Markdown
/// files: added nodes green, changed yellow, removed red and dashed; added edges thick and green,
/// removed ones dotted and red; stand-ins for unchanged regions grey.
public enum MermaidFlowchart {
    public static func render(_ graph: WorkflowGraph) -> String {
        var lines = ["flowchart TD"]
        let ids = GraphIDs(graph)
        for node in graph.nodes {
            let (open, close) = shape(node)
            lines.append("    \(ids[node.id]!)\(open)\"\(label(node))\"\(close)")
        }
        var linkStyles: [String] = []
        for (index, edge) in ids.drawnEdges(graph).enumerated() {
            let arrow =
                switch edge.status {
                case .added: "==>"
                case .removed: "-.->"
                case .unchanged, .changed: "-->"
                }
            let text = edge.label.map { "|\"\(escape($0))\"|" } ?? ""
            lines.append("    \(ids[edge.source]!) \(arrow)\(text) \(ids[edge.target]!)")
            if let color = edgeColor(edge.status) { linkStyles.append("    linkStyle \(index) stroke:\(color),color:\(color)") }
        }
        let classes: [(name: String, style: String, members: [String])] = [
            ("added", "fill:#dafbe1,stroke:#1a7f37,color:#1f2328", graph.nodes.filter { $0.status == .added }.map(\.id)),
            ("changed", "fill:#fff8c5,stroke:#9a6700,color:#1f2328", graph.nodes.filter { $0.status == .changed }.map(\.id)),
            (
                "removed", "fill:#ffebe9,stroke:#cf222e,color:#1f2328,stroke-dasharray:5 5",
                graph.nodes.filter { $0.status == .removed }.map(\.id)
            ),
            (
                "collapsed", "fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:3 3",
                graph.nodes.filter { $0.standsFor != nil }.map(\.id)
            ),
        ]
        for group in classes where !group.members.isEmpty {
            lines.append("    classDef \(group.name) \(group.style)")
            lines.append("    class \(group.members.map { ids[$0]! }.joined(separator: ",")) \(group.name)")
        }
        lines += linkStyles
        return lines.joined(separator: "\n") + "\n"
    }

    private static func shape(_ node: WorkflowGraph.Node) -> (String, String) {
        if node.standsFor != nil { return ("[[", "]]") }
        switch node.type {
        case "start": return ("([", "])")
        case "decide": return ("{", "}")
        default: return ("[", "]")
        }
    }

    private static func label(_ node: WorkflowGraph.Node) -> String {
        let name = escape(GraphIDs.shortened(node.label))
        return node.type.isEmpty || node.standsFor != nil ? name : "\(name)<br/>\(escape(node.type))"
    }

    private static func edgeColor(_ status: WorkflowGraph.Status) -> String? {
        switch status {
        case .added: "#1a7f37"
        case .removed: "#cf222e"
        case .unchanged, .changed: nil
        }
    }

    /// Inside a quoted Mermaid label: entity codes for what would end the string or open HTML.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\"": result += "#quot;"
            case "#": result += "#35;"
            case "<": result += "#lt;"
            case ">": result += "#gt;"
            case "\n", "\r", "\t": result += " "
            default: result.append(character)
            }
        }
        return result
    }
}
