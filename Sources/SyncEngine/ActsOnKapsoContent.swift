/// An action that may need the current Kapso content of what it acts on (a workflow's or a function's).
public protocol ActsOnKapsoContent {
    /// The id whose Kapso content must be read before the action is carried out.
    var needsKapsoContent: String? { get }
}

extension Sequence where Element: ActsOnKapsoContent {
    /// The ids these actions need read and `read` does not hold, each once, in the actions' order.
    func unreadBeforeActing(read: Set<String>) -> [String] {
        var ids: [String] = []
        for action in self {
            if let id = action.needsKapsoContent, !read.contains(id), !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}
