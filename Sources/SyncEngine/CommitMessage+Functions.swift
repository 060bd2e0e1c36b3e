/// The functions' part of the messages: one line per function and a `Kapso-Function:` trailer, in
/// the cycle's commit; the commit that starts a function's conflict branch.
extension CommitMessage {
    /// The cycle's message with its functions: their lines before the trailers, their trailers before
    /// `Kapso-Sync-Cycle`. A cycle that changed only functions gets a subject of its own.
    public static func addingFunctions(
        _ functions: [CycleReport.FunctionChange], to message: String, workflowsChanged: Bool, cycleID: String
    ) -> String {
        guard !functions.isEmpty else { return message }
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
        guard workflowsChanged else {
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
            return ([subject, ""] + lines + [""] + trailers + ["Kapso-Sync-Cycle: \(cycleID)"]).joined(separator: "\n") + "\n"
        }
        var paragraphs = message.trimmingSuffix("\n").components(separatedBy: "\n\n")
        var trailerBlock = paragraphs.removeLast().components(separatedBy: "\n")
        let cycleLine = trailerBlock.removeLast()
        trailerBlock += trailers + [cycleLine]
        paragraphs.append(lines.joined(separator: "\n"))
        paragraphs.append(trailerBlock.joined(separator: "\n"))
        return paragraphs.joined(separator: "\n\n") + "\n"
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

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
