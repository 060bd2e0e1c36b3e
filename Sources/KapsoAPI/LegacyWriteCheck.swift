import CanonicalJSON
import KapsoModels

/// Whether a flow read back after a write holds what was written, plus whatever the server adds
/// (display names, edge ids, condition ids, defaults in a config): every node sent with its position,
/// type and every config value sent, no node that was not sent, the same edges, name and
/// description. Anything else is someone else's write between this one and its read-back. Pure.
public enum LegacyWriteCheck {
    /// Nil when the write is what Kapso holds; else the first difference, for a person.
    public static func difference(sent: [String: JSONValue], readBack: WorkflowWithDefinition) -> String? {
        if let name = sent["name"]?.stringValue, name != readBack.workflow.name { return "its name is not the one written" }
        if let description = sent["description"], (description.stringValue ?? "") != (readBack.workflow.description ?? "") {
            return "its description is not the one written"
        }
        guard let definition = sent["definition"] else { return nil }
        let sentNodes = definition["nodes"]?.arrayValue ?? []
        var readNodes: [String: JSONValue] = [:]
        for node in readBack.nodes { readNodes[node["id"]?.stringValue ?? ""] = node }
        guard Set(sentNodes.map { $0["id"]?.stringValue ?? "" }) == Set(readNodes.keys), sentNodes.count == readNodes.count else {
            return "its nodes are not the ones written"
        }
        for node in sentNodes {
            let id = node["id"]?.stringValue ?? ""
            guard let read = readNodes[id],
                read["data"]?["node_type"] == node["data"]?["node_type"],
                contains(read["position"] ?? .null, node["position"] ?? .null),
                contains(read["data"]?["config"] ?? .object([:]), node["data"]?["config"] ?? .object([:]))
            else { return "node \(id) is not the one written" }
        }
        func edgeKeys(_ edges: [JSONValue]) -> [String] {
            edges.map { edge in
                ["source", "target", "label"].map { edge[$0]?.stringValue ?? "next" }.joined(separator: "\u{1}")
            }.sorted()
        }
        guard edgeKeys(definition["edges"]?.arrayValue ?? []) == edgeKeys(readBack.edges) else {
            return "its edges are not the ones written"
        }
        return nil
    }

    /// Whether `read` holds `sent`: the same scalars (numbers by value), objects with at least the
    /// members sent, arrays element by element.
    public static func contains(_ read: JSONValue, _ sent: JSONValue) -> Bool {
        switch (read, sent) {
        case (.object(let readObject), .object(let sentObject)):
            return sentObject.allSatisfy { key, value in readObject[key].map { contains($0, value) } ?? value.isNull }
        case (.array(let readArray), .array(let sentArray)):
            return readArray.count == sentArray.count && zip(readArray, sentArray).allSatisfy { contains($0, $1) }
        case (.number(let readNumber), .number(let sentNumber)):
            return readNumber == sentNumber || readNumber.doubleValue == sentNumber.doubleValue
        default:
            return read == sent
        }
    }
}
