import CanonicalJSON

/// The three-way merge of a list whose items have an identity: nodes by `id`, edges by source, target
/// and label, triggers by what they listen to. Items are merged like values (`ValueMerge`); an item
/// added on one side is added, one deleted on one side and left alone on the other is deleted, and
/// one deleted on one side and edited on the other is a conflict. The result keeps git's order, with
/// Kapso's additions after it.
struct KeyedListMerge: Sendable {
    /// An item's identity (nil: it has none), and how a conflict names an item by it.
    let identity: @Sendable (JSONValue) -> String?
    let describe: @Sendable (String) -> String

    /// The merged list, or nil when a side's items cannot be told apart (no identity, or two with the
    /// same): then the list is merged as one value.
    func merge(base: [JSONValue], ours: [JSONValue], theirs: [JSONValue], values: inout ValueMerge) -> [JSONValue]? {
        guard let baseItems = keyed(base), let ourItems = keyed(ours), let theirItems = keyed(theirs) else { return nil }
        let baseByKey = Dictionary(baseItems, uniquingKeysWith: { first, _ in first })
        let ourByKey = Dictionary(ourItems, uniquingKeysWith: { first, _ in first })
        let theirByKey = Dictionary(theirItems, uniquingKeysWith: { first, _ in first })
        var order: [String] = []
        var seen = Set<String>()
        for (key, _) in ourItems + theirItems + baseItems where seen.insert(key).inserted { order.append(key) }
        var merged: [JSONValue] = []
        for key in order {
            let value = values.merge(
                base: baseByKey[key], ours: ourByKey[key], theirs: theirByKey[key], path: [], location: describe(key))
            if let value { merged.append(value) }
        }
        return merged
    }

    /// The items with their keys; nil when one has no identity or two share one.
    private func keyed(_ items: [JSONValue]) -> [(String, JSONValue)]? {
        var result: [(String, JSONValue)] = []
        var keys = Set<String>()
        for item in items {
            guard let key = identity(item), keys.insert(key).inserted else { return nil }
            result.append((key, item))
        }
        return result
    }

    static let nodes = KeyedListMerge(identity: { $0["id"]?.stringValue }, describe: { "node \($0)" })

    static let edges = KeyedListMerge(
        identity: { edge in
            guard let source = edge["source"]?.stringValue, let target = edge["target"]?.stringValue else { return nil }
            let label = edge["label"]?.stringValue ?? ""
            return "\(source) → \(target)" + (label.isEmpty ? "" : " (\(label))")
        },
        describe: { "edge \($0)" })

    /// A trigger is what it listens to: everything but whether it is active.
    static let triggers = KeyedListMerge(
        identity: { trigger in
            guard case .object(var fields) = trigger, let type = fields["triggerType"]?.stringValue else { return nil }
            fields.removeValue(forKey: "active")
            fields.removeValue(forKey: "triggerType")
            let rest = fields.isEmpty ? "" : " " + CanonicalJSONWriter.compactString(.object(fields))
            return type + rest
        },
        describe: { "trigger \($0)" })
}
