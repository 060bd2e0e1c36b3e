import CanonicalJSON
import WorkflowMerge

/// A workflow as a flowchart: its nodes (display name or id, node type) and its edges (label), and,
/// drawn against an earlier version, which of them were added, changed or removed. Pure: Mermaid and
/// DOT are two renderings of it.
public struct WorkflowGraph: Sendable, Equatable {
    public enum Status: String, Sendable {
        case unchanged, added, changed, removed
    }

    public struct Node: Sendable, Equatable {
        public var id: String
        public var label: String
        public var type: String
        public var status: Status
        /// For a stand-in of unchanged nodes left out to keep the graph readable: how many it stands for.
        public var standsFor: Int?
    }

    public struct Edge: Sendable, Equatable {
        public var source: String
        public var target: String
        public var label: String?
        public var status: Status
    }

    public var nodes: [Node]
    public var edges: [Edge]

    /// The graph of `workflow`; with `base`, each node and edge marked by how it changed since, and
    /// what was removed drawn too. A node that only moved is unchanged: the layout is not the flow.
    public init(_ workflow: WorkflowMerge.Workflow, against base: WorkflowMerge.Workflow? = nil) {
        let current = Self.nodes(of: workflow)
        let previous = base.map(Self.nodes(of:)) ?? []
        let previousByID = Dictionary(previous.map { ($0.node.id, $0) }, uniquingKeysWith: { first, _ in first })
        let currentIDs = Set(current.map(\.node.id))
        nodes = current.map { entry in
            var node = entry.node
            if base != nil {
                if let old = previousByID[node.id] {
                    node.status = old.content == entry.content ? .unchanged : .changed
                } else {
                    node.status = .added
                }
            }
            return node
        }
        nodes += previous.filter { !currentIDs.contains($0.node.id) }.map { entry in
            var node = entry.node
            node.status = .removed
            return node
        }
        let currentEdges = Self.edges(of: workflow)
        let previousEdges = base.map(Self.edges(of:)) ?? []
        edges = currentEdges.map { edge in
            var edge = edge
            if base != nil, !previousEdges.contains(where: { $0.sameEdge(as: edge) }) { edge.status = .added }
            return edge
        }
        edges += previousEdges.filter { old in !currentEdges.contains(where: { $0.sameEdge(as: old) }) }.map { edge in
            var edge = edge
            edge.status = .removed
            return edge
        }
    }

    init(nodes: [Node], edges: [Edge]) {
        self.nodes = nodes
        self.edges = edges
    }

    public var changedNodes: Int { nodes.filter { $0.status != .unchanged && $0.standsFor == nil }.count }

    private static func nodes(of workflow: WorkflowMerge.Workflow) -> [(node: Node, content: JSONValue)] {
        var seen = Set<String>()
        return (workflow.definition["nodes"]?.arrayValue ?? []).compactMap { value in
            guard let id = value["id"]?.stringValue, seen.insert(id).inserted else { return nil }
            let data = value["data"]
            let type = data?["node_type"]?.stringValue ?? data?["nodeType"]?.stringValue ?? "?"
            let display = data?["display_name"]?.stringValue ?? data?["displayName"]?.stringValue
            let content = WorkflowDiff.withoutPosition(value)
            let label = display.flatMap { $0.isEmpty ? nil : $0 } ?? id
            return (Node(id: id, label: label, type: type, status: .unchanged), content)
        }
    }

    private static func edges(of workflow: WorkflowMerge.Workflow) -> [Edge] {
        (workflow.definition["edges"]?.arrayValue ?? []).compactMap { value in
            guard let source = value["source"]?.stringValue, let target = value["target"]?.stringValue else { return nil }
            let label = value["label"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            return Edge(source: source, target: target, label: label, status: .unchanged)
        }
    }
}

extension WorkflowGraph.Edge {
    func sameEdge(as other: WorkflowGraph.Edge) -> Bool {
        source == other.source && target == other.target && label == other.label
    }
}
