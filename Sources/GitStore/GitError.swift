internal import CLibgit2

/// A failed libgit2 call: the function, its return code, and libgit2's own message.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case notFound
        case exists
        /// A compare-and-swap on a reference lost: the reference no longer has the expected value.
        case refModified
        case invalidPath
        case other(Int32)
    }

    public let function: String
    public let code: Code
    public let message: String

    public init(function: String, code: Code, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    /// Reads libgit2's thread-local last error; must be called right after the failing call.
    static func last(function: String, result: Int32) -> GitError {
        var message = "unknown error"
        if let error = git_error_last(), let text = error.pointee.message {
            message = String(cString: text)
        }
        let code: Code =
            switch result {
            case GIT_ENOTFOUND.rawValue: .notFound
            case GIT_EEXISTS.rawValue: .exists
            case GIT_EMODIFIED.rawValue: .refModified
            default: .other(result)
            }
        return GitError(function: function, code: code, message: message)
    }

    public var description: String { "\(function): \(message)" }

    /// A label with no payload, fit for a metric.
    public var metricLabel: String {
        switch code {
        case .notFound: "not_found"
        case .exists: "exists"
        case .refModified: "ref_modified"
        case .invalidPath: "invalid_path"
        case .other: "libgit2"
        }
    }
}

/// Runs a libgit2 call and turns a negative result into a `GitError` carrying the function's name.
@discardableResult
func check(_ function: String, _ result: Int32) throws(GitError) -> Int32 {
    if result < 0 { throw GitError.last(function: function, result: result) }
    return result
}
