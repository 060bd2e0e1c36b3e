/// The functions' part of the messages: their lines and trailers in the cycle's commit; the commit that
/// starts a function's conflict branch.
extension CommitMessage {
    /// One line per function and a `Kapso-Function:` trailer each; the subject, for a cycle that
    /// changed only functions.
    static func functionParts(_ functions: [CycleReport.FunctionChange]) -> Parts {
        let sorted = functions.sorted { $0.slug < $1.slug }
        let lines = sorted.map { function -> String in
            let what: String
            switch function.kind {
            case .pulled: what = function.isNew ? "add function \(function.slug)" : "update function \(function.slug)"
            case .pushed: what = "push function \(function.slug) to Kapso"
            case .created: what = "create function \(function.slug) in Kapso"
            case .adopted: what = "record function \(function.slug), the same in git and in Kapso"
            case .normalised: what = "rewrite function \(function.slug) as the Kapso CLI writes it (same content)"
            case .removed: return "- remove functions/\(function.slug): the function is gone from Kapso"
            }
            return "- \(what) at lock_version \(version(function.lockVersion))" + (function.deployed ? ", deployment started" : "")
        }
        let trailers = sorted.map {
            "Kapso-Function: \($0.slug) id=\($0.id) lock_version=\(version($0.lockVersion)) \($0.kind.rawValue)"
        }
        let subject: String
        if sorted.count == 1, let only = sorted.first {
            switch only.kind {
            case .pulled: subject = "Pull function \(only.slug) from Kapso (lock_version \(version(only.lockVersion)))"
            case .pushed, .created:
                subject = "Record push of function \(only.slug) to Kapso (now lock_version \(version(only.lockVersion)))"
            case .removed: subject = "Remove functions/\(only.slug): the function is gone from Kapso"
            case .adopted, .normalised: subject = "Record function \(only.slug) at lock_version \(version(only.lockVersion))"
            }
        } else {
            subject = "Sync \(sorted.count) functions with Kapso"
        }
        return Parts(subject: subject, body: lines, trailers: trailers)
    }

    /// The commit that starts (or moves on) a function's conflict branch.
    public static func functionConflict(
        folder: String, name: String, id: String, lockVersion: Int?, reason: String, branch: String
    )
        -> String
    {
        [
            "Kapso's version of functions/\(folder) (lock_version \(version(lockVersion))), in conflict", "",
            "\(sentence(reason)) Neither side was overwritten: \(branch) keeps its files and Kapso keeps",
            "\"\(oneLine(name))\".", "",
            "Merge this branch into \(branch) (a pull request, `git merge`, or edit the files here first): it",
            "records Kapso's version as the base, so the next sync sends the merged result to Kapso with",
            "lock_version \(version(lockVersion)) and deploys it. A newer edit in Kapso is a new conflict.", "",
            "Kapso-Conflict: functions/\(folder) id=\(id) lock_version=\(version(lockVersion))", "",
        ].joined(separator: "\n")
    }
}
