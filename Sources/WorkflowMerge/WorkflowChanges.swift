import CanonicalJSON

/// What one side changed in a workflow, in the terms a person edits it in, one line per change:
/// `node ask: data.config.message`, `node review added`, `edge ask → agent (next) removed`,
/// `trigger api_call added`, `trigger inbound_message … switched off`, `name`. A merge commit says with
/// it what came from which side; a conflict report, what each side did.
public enum WorkflowChanges {
    public static func between(_ base: WorkflowMerge.Workflow, _ side: WorkflowMerge.Workflow) -> [String] {
        var changes: [String] = []
        changes += keyedChanges(base.definition["nodes"], side.definition["nodes"], list: .nodes)
        changes += keyedChanges(base.definition["edges"], side.definition["edges"], list: .edges)
        changes += keyedChanges(base.metadata["triggers"], side.metadata["triggers"], list: .triggers)
        for (document, other) in [(base.definition, side.definition), (base.metadata, side.metadata)] {
            for key in Set(document.keys).union(other.keys).sorted() where !["nodes", "edges", "triggers"].contains(key) {
                changes += paths(document[key], other[key], prefix: key, depth: 2)
            }
        }
        return changes
    }

    /// Items added, removed or changed (with the fields that changed) in a list keyed like the merge keys it.
    private static func keyedChanges(_ base: JSONValue?, _ side: JSONValue?, list: KeyedListMerge) -> [String] {
        guard base != side else { return [] }
        guard let baseItems = keyed(base?.arrayValue ?? [], list), let sideItems = keyed(side?.arrayValue ?? [], list) else {
            return [list.describe("list") + " changed"]
        }
        var changes: [String] = []
        for (key, item) in sideItems {
            guard let before = baseItems.first(where: { $0.0 == key })?.1 else {
                changes.append("\(list.describe(key)) added")
                continue
            }
            if before == item { continue }
            if case .bool(let active)? = item["active"], before["active"] != item["active"] {
                changes.append("\(list.describe(key)) switched \(active ? "on" : "off")")
                continue
            }
            let fields = paths(before, item, prefix: "", depth: 3)
            changes.append(list.describe(key) + (fields.isEmpty ? " changed" : ": " + fields.joined(separator: ", ")))
        }
        for (key, _) in baseItems where !sideItems.contains(where: { $0.0 == key }) {
            changes.append("\(list.describe(key)) removed")
        }
        return changes
    }

    private static func keyed(_ items: [JSONValue], _ list: KeyedListMerge) -> [(String, JSONValue)]? {
        var result: [(String, JSONValue)] = []
        for item in items {
            guard let key = list.identity(item) else { return nil }
            result.append((key, item))
        }
        return result
    }

    /// The dotted paths where two values differ, down to `depth` levels of objects.
    static func paths(_ base: JSONValue?, _ side: JSONValue?, prefix: String, depth: Int) -> [String] {
        guard base != side else { return [] }
        guard depth > 0, case .object(let before)? = base, case .object(let after)? = side else {
            return [prefix.isEmpty ? "value" : prefix]
        }
        var result: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            result += paths(before[key], after[key], prefix: prefix.isEmpty ? key : "\(prefix).\(key)", depth: depth - 1)
        }
        return result
    }
}
