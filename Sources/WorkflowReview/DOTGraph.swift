/// A `WorkflowGraph` in Graphviz's DOT language (`dot -Tsvg`), styled as the Mermaid rendering is.
public enum DOTGraph {
    public static func render(_ graph: WorkflowGraph, name: String = "workflow") -> String {
        var lines = [
            "digraph \(quoted(name)) {",
            "    graph [rankdir=TB, fontname=\"Helvetica\"];",
            "    node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#57606a\", fontname=\"Helvetica\"];",
            "    edge [fontname=\"Helvetica\", fontsize=10, color=\"#57606a\"];",
        ]
        let ids = GraphIDs(graph)
        for node in graph.nodes {
            var attributes = ["label=\(quoted(label(node)))"]
            attributes += shape(node)
            attributes += nodeStyle(node)
            lines.append("    \(ids[node.id]!) [\(attributes.joined(separator: ", "))];")
        }
        for edge in ids.drawnEdges(graph) {
            var attributes: [String] = []
            if let label = edge.label { attributes.append("label=\(quoted(GraphIDs.shortened(label)))") }
            switch edge.status {
            case .added: attributes += ["color=\"#1a7f37\"", "fontcolor=\"#1a7f37\"", "penwidth=2"]
            case .removed: attributes += ["color=\"#cf222e\"", "fontcolor=\"#cf222e\"", "style=dashed"]
            case .unchanged, .changed: break
            }
            let list = attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]"
            lines.append("    \(ids[edge.source]!) -> \(ids[edge.target]!)\(list);")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func label(_ node: WorkflowGraph.Node) -> String {
        let name = GraphIDs.shortened(node.label)
        return node.type.isEmpty || node.standsFor != nil ? name : "\(name)\n\(node.type)"
    }

    private static func shape(_ node: WorkflowGraph.Node) -> [String] {
        if node.standsFor != nil { return ["shape=folder"] }
        switch node.type {
        case "start": return ["shape=oval"]
        case "decide": return ["shape=diamond"]
        default: return []
        }
    }

    private static func nodeStyle(_ node: WorkflowGraph.Node) -> [String] {
        if node.standsFor != nil { return ["style=\"filled,dashed\"", "fillcolor=\"#f6f8fa\"", "fontcolor=\"#57606a\""] }
        switch node.status {
        case .added: return ["fillcolor=\"#dafbe1\"", "color=\"#1a7f37\""]
        case .changed: return ["fillcolor=\"#fff8c5\"", "color=\"#9a6700\""]
        case .removed: return ["fillcolor=\"#ffebe9\"", "color=\"#cf222e\"", "style=\"rounded,filled,dashed\""]
        case .unchanged: return []
        }
    }

    /// A DOT string: backslash and quote escaped, a line break as DOT's `\n`.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": break
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
