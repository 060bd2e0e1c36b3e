extension WorkflowGraph {
    /// The default number of nodes drawn: about what a pull-request comment shows legibly.
    public static let defaultBudget = 60

    /// The graph with at most `budget` of its nodes drawn (more only when more than that changed: a
    /// change is never hidden). The drawn nodes are the changed ones and those nearest to them (with no
    /// change: nearest to the start); each connected region of the others becomes one stand-in node
    /// ("12 unchanged nodes"), linked where the region was.
    public func withinBudget(_ budget: Int = defaultBudget) -> WorkflowGraph {
        guard nodes.count > budget else { return self }
        let neighbours = neighbourLists()
        var seeds = nodes.filter { $0.status != .unchanged }.map(\.id)
        if seeds.isEmpty { seeds = startNodes() }
        var shown = Set(seeds)
        var queue = seeds
        var next = 0
        while next < queue.count, shown.count < budget {
            for neighbour in neighbours[queue[next], default: []] {
                guard shown.count < budget else { break }
                if shown.insert(neighbour).inserted { queue.append(neighbour) }
            }
            next += 1
        }
        // Nodes no path reaches (a second start, an island) fill what room is left, in file order.
        for node in nodes where shown.count < budget { shown.insert(node.id) }
        return collapsing(hidden: Set(nodes.map(\.id)).subtracting(shown), neighbours: neighbours)
    }

    private func collapsing(hidden: Set<String>, neighbours: [String: [String]]) -> WorkflowGraph {
        var region: [String: String] = [:]
        var standIns: [Node] = []
        for node in nodes where hidden.contains(node.id) && region[node.id] == nil {
            let standIn = "collapsed \(standIns.count + 1)"
            var members = [node.id]
            region[node.id] = standIn
            var next = 0
            while next < members.count {
                for neighbour in neighbours[members[next], default: []] where hidden.contains(neighbour) && region[neighbour] == nil {
                    region[neighbour] = standIn
                    members.append(neighbour)
                }
                next += 1
            }
            let noun = members.count == 1 ? "node" : "nodes"
            standIns.append(
                Node(id: standIn, label: "\(members.count) unchanged \(noun)", type: "", status: .unchanged, standsFor: members.count))
        }
        var drawnEdges: [Edge] = []
        for edge in edges {
            var drawn = edge
            if let source = region[edge.source] { drawn.source = source }
            if let target = region[edge.target] { drawn.target = target }
            if drawn.source == edge.source && drawn.target == edge.target {
                drawnEdges.append(drawn)
                continue
            }
            guard drawn.source != drawn.target else { continue }
            drawn.label = nil
            if !drawnEdges.contains(where: { $0.source == drawn.source && $0.target == drawn.target && $0.status == drawn.status }) {
                drawnEdges.append(drawn)
            }
        }
        return WorkflowGraph(nodes: nodes.filter { !hidden.contains($0.id) } + standIns, edges: drawnEdges)
    }

    /// Each node's neighbours either way, in the order the edges list them.
    private func neighbourLists() -> [String: [String]] {
        var lists: [String: [String]] = [:]
        for edge in edges {
            lists[edge.source, default: []].append(edge.target)
            lists[edge.target, default: []].append(edge.source)
        }
        return lists
    }

    /// `start` nodes; else nodes no edge leads to; else the first node.
    private func startNodes() -> [String] {
        let starts = nodes.filter { $0.type == "start" }.map(\.id)
        if !starts.isEmpty { return starts }
        let targets = Set(edges.map(\.target))
        let roots = nodes.map(\.id).filter { !targets.contains($0) }
        return roots.isEmpty ? Array(nodes.prefix(1).map(\.id)) : roots
    }
}
