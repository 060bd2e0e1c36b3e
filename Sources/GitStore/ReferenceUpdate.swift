/// One reference to set on a git server, under the same name as in the local repository: its new tip
/// (nil: delete it) and the condition the server's value must meet for the update to happen.
public struct ReferenceUpdate: Sendable, Equatable {
    public enum Condition: Sendable, Equatable {
        /// The server's value is an ancestor of the tip (or absent): someone else's commit is never lost.
        case fastForward
        /// The server still holds this value (nil: the reference does not exist), as last fetched.
        case holds(ObjectID?)
        /// Whatever the server holds (a reference only this instance writes).
        case always
    }

    public let reference: String
    public let tip: ObjectID?
    public let condition: Condition

    public init(reference: String, tip: ObjectID?, condition: Condition) {
        self.reference = reference
        self.tip = tip
        self.condition = condition
    }

    /// The refspec for a transport that only knows fast-forward or forced: `holds` is sent forced there
    /// (git's protocol has no compare-and-swap that libgit2 exposes).
    var refspec: String {
        guard tip != nil else { return ":\(reference)" }
        return (condition == .fastForward ? "" : "+") + "\(reference):\(reference)"
    }
}
