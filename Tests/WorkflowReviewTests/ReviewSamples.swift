import CanonicalJSON
import Foundation
import KapsoYAML
import TestSupport
import WorkflowMerge

/// Workflows to review: the real ones the CLI wrote (`../shared`), the project's demo workflows, and
/// generated ones of any size; and one edit of each that makes every kind of change a reviewer meets.
enum ReviewSamples {
    typealias Workflow = WorkflowMerge.Workflow

    static func read(_ folder: URL) throws -> Workflow {
        let definition = try JSONParser.parse([UInt8](try Data(contentsOf: folder.appendingPathComponent("definition.json"))))
        var metadata: [String: JSONValue] = [:]
        if let yaml = FileManager.default.contents(atPath: folder.appendingPathComponent("workflow.yaml").path) {
            metadata = try YAMLNodeConverter.parse(String(decoding: yaml, as: UTF8.self)).objectValue ?? [:]
        }
        return Workflow(definition: definition.objectValue ?? [:], metadata: metadata)
    }

    static var demo: [(name: String, workflow: Workflow)] {
        get throws {
            try ["lead-qualification", "order-status", "welcome-menu"].map {
                ("demo-\($0)", try read(Fixtures.demoWorkflows.appendingPathComponent($0)))
            }
        }
    }

    static var realWorkflows: [(name: String, workflow: Workflow)] {
        get throws {
            try Fixtures.folders.map { ("real-\($0.lastPathComponent.split(separator: "--").last ?? "")", try read($0)) }
        }
    }

    /// A workflow of `count` nodes: a start, then messages, questions, decisions and agents in a chain,
    /// each decision also branching three nodes ahead.
    static func generated(nodes count: Int) -> Workflow {
        let types = ["send_text", "wait_for_response", "decide", "agent"]
        var nodes: [JSONValue] = [node("start", type: "start", x: 0, y: 0, config: [:])]
        var edges: [JSONValue] = []
        for index in 1..<count {
            let type = types[index % types.count]
            var config: [String: JSONValue] = ["message": .string("Step \(index)")]
            if type == "agent" { config = ["system_prompt": .string("You are step \(index).\nBe brief.\nAnswer in Spanish.")] }
            nodes.append(node("step_\(index)", type: type, x: (index % 5) * 240, y: index * 120, config: config))
            edges.append(edge(index == 1 ? "start" : "step_\(index - 1)", "step_\(index)", "next"))
            if type == "decide", index + 3 < count { edges.append(edge("step_\(index)", "step_\(index + 3)", "other")) }
        }
        return Workflow(
            definition: ["nodes": .array(nodes), "edges": .array(edges)],
            metadata: ["name": .string("Generated \(count)"), "slug": .string("generated-\(count)"), "status": "active"])
    }

    static func node(_ id: String, type: String, x: Int, y: Int, config: [String: JSONValue]) -> JSONValue {
        [
            "id": .string(id), "type": "flow-node", "position": ["x": .number(JSONNumber(x)), "y": .number(JSONNumber(y))],
            "data": ["node_type": .string(type), "config": .object(config)],
        ]
    }

    static func edge(_ source: String, _ target: String, _ label: String) -> JSONValue {
        ["source": .string(source), "target": .string(target), "label": .string(label)]
    }

    /// One edit with every kind of change: a text edited (line by line where it has lines), a node
    /// added and linked, the last node removed with its edges, a node moved, an edge relabelled, the
    /// name changed and a trigger switched.
    static func edited(_ workflow: Workflow) -> Workflow {
        var nodes = workflow.definition["nodes"]?.arrayValue ?? []
        var edges = workflow.definition["edges"]?.arrayValue ?? []
        let ids = nodes.compactMap { $0["id"]?.stringValue }
        let multiLine = nodes.firstIndex { textField(of: $0)?.text.contains("\n") == true }
        if let index = multiLine ?? nodes.firstIndex(where: { textField(of: $0) != nil }), let field = textField(of: nodes[index]) {
            nodes[index] = replacing(nodes[index], path: ["data", "config", field.key], with: .string(edit(field.text)))
        }
        if nodes.count > 2, case .object(var moved) = nodes[1], case .object(var position)? = moved["position"] {
            position["x"] = .number(JSONNumber((position["x"]?.numberValue?.doubleValue).map { Int($0) + 40 } ?? 40))
            moved["position"] = .object(position)
            nodes[1] = .object(moved)
        }
        if let removed = ids.last, ids.count > 2 {
            nodes.removeAll { $0["id"]?.stringValue == removed }
            edges.removeAll { $0["source"]?.stringValue == removed || $0["target"]?.stringValue == removed }
        }
        if let index = edges.firstIndex(where: { ($0["label"]?.stringValue ?? "next") != "next" }),
            case .object(var relabelled) = edges[index]
        {
            relabelled["label"] = .string((relabelled["label"]?.stringValue ?? "") + "_renamed")
            edges[index] = .object(relabelled)
        }
        var added = node("review_added", type: "send_text", x: 600, y: 0, config: ["message": "Added in review"])
        if case .object(var fields) = added, case .object(var data)? = fields["data"] {
            data["display_name"] = "Say \"hi\" <b>#1</b> & more\\"
            fields["data"] = .object(data)
            added = .object(fields)
        }
        nodes.append(added)
        if let first = ids.first { edges.append(edge(first, "review_added", "next")) }
        var definition = workflow.definition
        definition["nodes"] = .array(nodes)
        definition["edges"] = .array(edges)
        var metadata = workflow.metadata
        metadata["name"] = .string((metadata["name"]?.stringValue ?? "Workflow") + " v2")
        if case .array(var triggers)? = metadata["triggers"], case .object(var trigger)? = triggers.first {
            trigger["active"] = .bool(!(trigger["active"]?.boolValue ?? true))
            triggers[0] = .object(trigger)
            metadata["triggers"] = .array(triggers)
        }
        return Workflow(definition: definition, metadata: metadata)
    }

    private static func textField(of node: JSONValue) -> (key: String, text: String)? {
        guard case .object(let config)? = node["data"]?["config"] else { return nil }
        let texts = config.sorted { $0.key < $1.key }.compactMap { key, value in value.stringValue.map { (key: key, text: $0) } }
        return texts.first { $0.text.contains("\n") } ?? texts.first { !$0.text.isEmpty }
    }

    private static func edit(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count > 1 else { return text + " (edited)" }
        lines[1] = "Edited in review."
        return lines.joined(separator: "\n")
    }

    private static func replacing(_ value: JSONValue, path: [String], with replacement: JSONValue) -> JSONValue {
        guard let key = path.first else { return replacement }
        guard case .object(var fields) = value else { return value }
        fields[key] = replacing(fields[key] ?? .null, path: Array(path.dropFirst()), with: replacement)
        return .object(fields)
    }
}
