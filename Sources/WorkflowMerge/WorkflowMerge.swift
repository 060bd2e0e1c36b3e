import CanonicalJSON

/// The three-way merge of a workflow, in the terms a person edits it in: nodes by id, edges by
/// (source, target, label), triggers by what they listen to, and metadata (name, status, description,
/// settings) field by field. Inside a node, `config` merges field by field; a long text (a prompt)
/// merges line by line; `enabled_default_tools` merges as a set; position changes never conflict
/// (the side that moved, or Kapso's when both moved). Pure: the cycle validates and sends the result.
public enum WorkflowMerge {
    /// A workflow as its two files hold it: `definition.json` and `workflow.yaml` (whose `triggers`
    /// are merged as triggers).
    public struct Workflow: Sendable, Equatable {
        public var definition: [String: JSONValue]
        public var metadata: [String: JSONValue]

        public init(definition: [String: JSONValue], metadata: [String: JSONValue]) {
            self.definition = definition
            self.metadata = metadata
        }
    }

    public enum Result: Sendable, Equatable {
        case merged(Workflow)
        /// Each true conflict, naming the node or field and both values.
        case conflicts([MergeConflict])
    }

    /// `ours` is git's side, `theirs` Kapso's.
    public static func merge(base: Workflow, ours: Workflow, theirs: Workflow) -> Result {
        var values = ValueMerge()
        let definition = mergeObject(
            base: base.definition, ours: ours.definition, theirs: theirs.definition,
            lists: ["nodes": .nodes, "edges": .edges], values: &values)
        let metadata = mergeObject(
            base: base.metadata, ours: ours.metadata, theirs: theirs.metadata, lists: ["triggers": .triggers], values: &values)
        guard values.conflicts.isEmpty else { return .conflicts(values.conflicts) }
        return .merged(Workflow(definition: definition, metadata: metadata))
    }

    /// Key by key; the keys in `lists` hold lists of items with an identity.
    private static func mergeObject(
        base: [String: JSONValue], ours: [String: JSONValue], theirs: [String: JSONValue], lists: [String: KeyedListMerge],
        values: inout ValueMerge
    ) -> [String: JSONValue] {
        var merged: [String: JSONValue] = [:]
        for key in Set(base.keys).union(ours.keys).union(theirs.keys).sorted() {
            if let list = lists[key], case .array(let ourItems)? = ours[key], case .array(let theirItems)? = theirs[key],
                let items = list.merge(base: base[key]?.arrayValue ?? [], ours: ourItems, theirs: theirItems, values: &values)
            {
                merged[key] = .array(items)
                continue
            }
            if let value = values.merge(base: base[key], ours: ours[key], theirs: theirs[key], path: [key], location: "") {
                merged[key] = value
            }
        }
        return merged
    }
}
