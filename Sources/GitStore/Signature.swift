/// The author or committer of a commit; the time is taken when the commit is written unless given.
public struct Signature: Sendable, Equatable {
    public var name: String
    public var email: String
    /// Seconds since the epoch and the offset in minutes, for reproducible commits in tests.
    public var time: (seconds: Int64, offsetMinutes: Int32)?

    public init(name: String, email: String, time: (seconds: Int64, offsetMinutes: Int32)? = nil) {
        self.name = name
        self.email = email
        self.time = time
    }

    public static func == (lhs: Signature, rhs: Signature) -> Bool {
        lhs.name == rhs.name && lhs.email == rhs.email && lhs.time?.seconds == rhs.time?.seconds
            && lhs.time?.offsetMinutes == rhs.time?.offsetMinutes
    }
}

/// One change to a tree: put a blob at a path (creating folders) or remove the entry at a path.
public enum TreeChange: Sendable, Equatable {
    case upsert(path: String, blob: ObjectID)
    case remove(path: String)

    public var path: String {
        switch self {
        case .upsert(let path, _), .remove(let path): path
        }
    }
}
