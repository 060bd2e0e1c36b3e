import CanonicalJSON

/// The three-way merge of one JSON value, field by field: a side that left a field as it was takes
/// the other side's; equal changes are taken once. Where both changed a field differently: objects
/// merge key by key, a multi-line text merges line by line (`TextMerge`), a list of names whose order
/// carries no meaning (`unorderedKeys`) merges as a set, a node's `position` merges axis by axis and
/// takes Kapso's where both moved the same axis; anything else is a conflict. `nil` stands for a field that is not there (never added, or deleted).
struct ValueMerge {
    /// Lists merged as sets, by the key that holds them.
    static let unorderedKeys: Set<String> = ["enabled_default_tools"]

    var conflicts: [MergeConflict] = []

    /// `ours` is git's side, `theirs` Kapso's. `path` names the field in conflicts.
    mutating func merge(base: JSONValue?, ours: JSONValue?, theirs: JSONValue?, path: [String], location: String) -> JSONValue? {
        if ours == theirs { return ours }
        if ours == base { return theirs }
        if theirs == base { return ours }
        let key = path.last ?? ""
        if key == "position" { return Self.mergePosition(base: base, ours: ours, theirs: theirs) }
        if case .object(let ourObject)? = ours, case .object(let theirObject)? = theirs {
            let baseObject = base?.objectValue ?? [:]
            var merged: [String: JSONValue] = [:]
            for field in Set(ourObject.keys).union(theirObject.keys).union(baseObject.keys).sorted() {
                let value = merge(
                    base: baseObject[field], ours: ourObject[field], theirs: theirObject[field], path: path + [field], location: location)
                if let value { merged[field] = value }
            }
            return .object(merged)
        }
        if case .string(let ourText)? = ours, case .string(let theirText)? = theirs, case .string(let baseText)? = base,
            ourText.contains("\n") || theirText.contains("\n") || baseText.contains("\n"),
            let text = TextMerge.merge(base: baseText, ours: ourText, theirs: theirText)
        {
            return .string(text)
        }
        if Self.unorderedKeys.contains(key), case .array(let ourList)? = ours, case .array(let theirList)? = theirs {
            return .array(Self.mergeAsSet(base: base?.arrayValue ?? [], ours: ourList, theirs: theirList))
        }
        conflicts.append(MergeConflict(location: Self.locate(location, path), ours: ours, theirs: theirs))
        return ours
    }

    /// A position never conflicts: it is cosmetic, and the editor is where people arrange nodes. Each
    /// axis takes the side that moved it, Kapso's where both did.
    static func mergePosition(base: JSONValue?, ours: JSONValue?, theirs: JSONValue?) -> JSONValue? {
        guard case .object(let ourAxes)? = ours, case .object(let theirAxes)? = theirs else { return theirs }
        let baseAxes = base?.objectValue ?? [:]
        var merged: [String: JSONValue] = [:]
        for axis in Set(ourAxes.keys).union(theirAxes.keys) {
            let value = theirAxes[axis] == baseAxes[axis] ? ourAxes[axis] : theirAxes[axis]
            if let value { merged[axis] = value }
        }
        return .object(merged)
    }

    /// What the base had and neither side removed, and what either side added; in git's order, then Kapso's.
    static func mergeAsSet(base: [JSONValue], ours: [JSONValue], theirs: [JSONValue]) -> [JSONValue] {
        let removed = Set(base).subtracting(ours).union(Set(base).subtracting(theirs))
        var merged: [JSONValue] = []
        for value in ours + theirs where !removed.contains(value) && !merged.contains(value) { merged.append(value) }
        return merged
    }

    static func locate(_ location: String, _ path: [String]) -> String {
        let field = path.joined(separator: ".")
        if location.isEmpty { return field }
        return field.isEmpty ? location : "\(location): \(field)"
    }
}
