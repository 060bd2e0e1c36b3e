import CanonicalJSON

/// The semantic diff of one workflow between two versions, in the terms of the merge's model: nodes by
/// id, edges by (source, target, label), triggers by what they listen to, and metadata; every changed
/// field with both values, long texts as the lines that changed, and nodes that only moved collapsed
/// into one count.
public struct WorkflowDiff: Sendable, Equatable, Encodable {
    /// One node, edge, trigger or metadata field that changed.
    public struct Change: Sendable, Equatable, Encodable {
        /// `node ask`, `edge ask → agent (next)`, `trigger api_call`, or a metadata field's name.
        public var subject: String
        /// `added`, `removed`, `changed`, `switched on`, `switched off`, `relabelled`.
        public var what: String
        public var fields: [Field] = []
    }

    public struct Field: Sendable, Equatable, Encodable {
        public var path: String
        /// Compact JSON; nil where the field is not there.
        public var before: String?
        public var after: String?
        /// For a text of several lines: the lines removed (`-`) and added (`+`), in order.
        public var lines: [String]?
    }

    public var changes: [Change] = []
    /// Nodes whose position is all that changed.
    public var moved: [String] = []

    public var isEmpty: Bool { changes.isEmpty && moved.isEmpty }

    public static func between(_ before: WorkflowMerge.Workflow, _ after: WorkflowMerge.Workflow) -> WorkflowDiff {
        var diff = WorkflowDiff()
        diff.nodes(before.definition["nodes"], after.definition["nodes"])
        diff.keyed(before.definition["edges"], after.definition["edges"], list: .edges)
        diff.keyed(before.metadata["triggers"], after.metadata["triggers"], list: .triggers)
        for (document, other) in [(before.definition, after.definition), (before.metadata, after.metadata)] {
            for key in Set(document.keys).union(other.keys).sorted() where !["nodes", "edges", "triggers"].contains(key) {
                let fields = Self.fields(document[key], other[key], path: key)
                if !fields.isEmpty { diff.changes.append(Change(subject: key, what: "changed", fields: fields)) }
            }
        }
        return diff
    }

    private mutating func nodes(_ before: JSONValue?, _ after: JSONValue?) {
        let list = KeyedListMerge.nodes
        guard let old = Self.keyed(before, list), let new = Self.keyed(after, list) else {
            if before != after {
                changes.append(Change(subject: "nodes", what: "changed", fields: Self.fields(before, after, path: "nodes")))
            }
            return
        }
        for (id, node) in new {
            guard let previous = old.first(where: { $0.0 == id })?.1 else {
                changes.append(Change(subject: "node \(id)", what: "added" + Self.typeNote(node), fields: Self.content(of: node)))
                continue
            }
            guard previous != node else { continue }
            let fields = Self.fields(Self.withoutPosition(previous), Self.withoutPosition(node), path: "")
            if fields.isEmpty {
                moved.append(id)
            } else {
                let position = Self.fields(previous["position"], node["position"], path: "position")
                changes.append(Change(subject: "node \(id)", what: "changed", fields: fields + position))
            }
        }
        for (id, node) in old where !new.contains(where: { $0.0 == id }) {
            changes.append(Change(subject: "node \(id)", what: "removed" + Self.typeNote(node)))
        }
    }

    private mutating func keyed(_ before: JSONValue?, _ after: JSONValue?, list: KeyedListMerge) {
        guard let old = Self.keyed(before, list), let new = Self.keyed(after, list) else {
            if before != after { changes.append(Change(subject: "list", what: "changed", fields: Self.fields(before, after, path: ""))) }
            return
        }
        var removed = old.filter { item in !new.contains { $0.0 == item.0 } }
        for (key, item) in new {
            if let previous = old.first(where: { $0.0 == key })?.1 {
                guard previous != item else { continue }
                if case .bool(let active)? = item["active"], previous["active"] != item["active"],
                    Self.fields(previous, item, path: "").count == 1
                {
                    changes.append(Change(subject: list.describe(key), what: active ? "switched on" : "switched off"))
                } else {
                    changes.append(Change(subject: list.describe(key), what: "changed", fields: Self.fields(previous, item, path: "")))
                }
                continue
            }
            // An edge between the same two nodes under another label: relabelled, not removed and added.
            if let index = removed.firstIndex(where: { Self.sameEnds($0.1, item) }), item["source"] != nil {
                let from = removed[index].1["label"]?.stringValue ?? ""
                changes.append(
                    Change(
                        subject: "edge \(item["source"]?.stringValue ?? "?") → \(item["target"]?.stringValue ?? "?")", what: "relabelled",
                        fields: Self.fields(.string(from), item["label"] ?? .string(""), path: "label")))
                removed.remove(at: index)
                continue
            }
            changes.append(Change(subject: list.describe(key), what: "added"))
        }
        for (key, _) in removed { changes.append(Change(subject: list.describe(key), what: "removed")) }
    }

    private static func sameEnds(_ a: JSONValue, _ b: JSONValue) -> Bool {
        a["source"] == b["source"] && a["target"] == b["target"]
    }

    private static func keyed(_ value: JSONValue?, _ list: KeyedListMerge) -> [(String, JSONValue)]? {
        var result: [(String, JSONValue)] = []
        for item in value?.arrayValue ?? [] {
            guard let key = list.identity(item), !result.contains(where: { $0.0 == key }) else { return nil }
            result.append((key, item))
        }
        return result
    }

    /// A node without its position: what it does, not where the editor draws it.
    public static func withoutPosition(_ node: JSONValue) -> JSONValue {
        guard case .object(var fields) = node else { return node }
        fields.removeValue(forKey: "position")
        return .object(fields)
    }

    /// What a reviewer reads of a new node: its display name and configuration, field by field.
    private static func content(of node: JSONValue) -> [Field] {
        var shown: [String: JSONValue] = [:]
        if let name = node["data"]?["display_name"] { shown["display_name"] = name }
        if case .object(let config)? = node["data"]?["config"], !config.isEmpty { shown["config"] = .object(config) }
        // Empty objects on the old side, so that each field of the config is a line of its own.
        return fields(.object(shown.compactMapValues { $0.objectValue == nil ? nil : .object([:]) }), .object(shown), path: "data")
    }

    private static func typeNote(_ node: JSONValue) -> String {
        node["data"]?["node_type"]?.stringValue.map { " (\($0))" } ?? ""
    }

    /// The leaves where two values differ, with both values; a text of several lines as its changed lines.
    static func fields(_ before: JSONValue?, _ after: JSONValue?, path: String) -> [Field] {
        guard before != after else { return [] }
        if case .object(let old)? = before, case .object(let new)? = after {
            return Set(old.keys).union(new.keys).sorted().flatMap { key in
                fields(old[key], new[key], path: path.isEmpty ? key : "\(path).\(key)")
            }
        }
        let name = path.isEmpty ? "value" : path
        if case .string(let old)? = before, case .string(let new)? = after, old.contains("\n") || new.contains("\n"),
            let lines = lineChanges(old, new)
        {
            return [Field(path: name, lines: lines)]
        }
        return [Field(path: name, before: before.map(compact), after: after.map(compact))]
    }

    /// The lines removed (`-`) and added (`+`), in order, each run with the unchanged line before and
    /// after it (` `, unless blank) and ` ⋯` where unchanged lines are left out; nil when the texts are
    /// too long to compare by line.
    static func lineChanges(_ old: String, _ new: String) -> [String]? {
        let oldLines = old.split(separator: "\n", omittingEmptySubsequences: false)
        let newLines = new.split(separator: "\n", omittingEmptySubsequences: false)
        guard (oldLines.count + 1) * (newLines.count + 1) <= TextMerge.maximumCells else { return nil }
        let match = TextMerge.matches(oldLines, newLines)
        var all: [String] = []
        var next = 0
        for (index, line) in oldLines.enumerated() {
            guard let matched = match[index] else {
                all.append("-\(line)")
                continue
            }
            while next < matched {
                all.append("+\(newLines[next])")
                next += 1
            }
            all.append(" \(line)")
            next = matched + 1
        }
        while next < newLines.count {
            all.append("+\(newLines[next])")
            next += 1
        }
        let changed = all.indices.filter { !all[$0].hasPrefix(" ") }
        // A blank line tells a reader nothing about where a change is: it is not shown as context.
        let context = Set(changed.flatMap { [$0 - 1, $0 + 1] }).filter { all.indices.contains($0) && all[$0].count > 1 }
        let shown = Set(changed).union(context)
        var result: [String] = []
        for index in all.indices where shown.contains(index) {
            if !result.isEmpty, !shown.contains(index - 1) { result.append(" ⋯") }
            result.append(all[index])
        }
        return result
    }

    static func compact(_ value: JSONValue) -> String {
        CanonicalJSONWriter.compactString(value)
    }
}
