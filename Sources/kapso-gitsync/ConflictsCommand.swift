import ArgumentParser
import Foundation
import GitSyncConfig
import SyncEngine

struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List the open conflicts: their branch, what each side changed, the fields in conflict and how to resolve them.",
        discussion: "From the running service when it answers, else from the state directory. Exit code 0: no conflict open; "
            + "3: conflicts are open (listed); 1: no cycle has run yet, or the configuration is wrong.")

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print the conflicts as JSON (the status file's entries for them).")
    var json = false

    func run() async throws {
        let configuration = options.loadConfigurationOrExit()
        var status: StatusFile?
        if let listen = configuration.service.listen { status = await StatusCommand.fetchFromService(listen)?.status }
        if status == nil { status = StatusFile.load(from: configuration.stateDirectory) }
        guard let status else {
            FileHandle.standardError.write(Data("error: no cycle has run yet: \(configuration.stateDirectory) holds no status\n".utf8))
            throw ExitCode.failure
        }
        let open = status.workflows.filter { $0.state == "conflict" }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(open), as: UTF8.self))
        } else if open.isEmpty {
            print("no conflict open (last cycle at \(StatusCommand.time(status.updatedAt)))")
        } else {
            for conflict in open {
                print(Self.describe(conflict, branch: configuration.branch, remoteURL: configuration.remote?.url).joined(separator: "\n"))
                print("")
            }
        }
        if !open.isEmpty { throw ExitCode(3) }
    }

    /// A conflict as a person reads it, with the ways to resolve it.
    static func describe(_ conflict: StatusFile.Workflow, branch main: String, remoteURL: String?) -> [String] {
        var lines = ["\(conflict.slug)" + (conflict.id.map { " (\($0))" } ?? "") + ": " + (conflict.detail ?? "in conflict")]
        if let conflicts = conflict.conflicts {
            lines.append("  in conflict:")
            lines += conflicts.map { "    \($0)" }
        }
        if let changes = conflict.gitChanges { lines.append("  changed in git: " + changes.joined(separator: "; ")) }
        if let changes = conflict.kapsoChanges { lines.append("  changed in Kapso: " + changes.joined(separator: "; ")) }
        guard let branch = conflict.branch else {
            lines.append("  resolve: make git's files and Kapso's version agree (Kapso's could not be read, so it has no branch)")
            return lines
        }
        lines.append("  branch: \(branch) (Kapso's version, starting where both sides last agreed)")
        if let remoteURL, let link = PullRequestLink.forBranch(branch, into: main, remoteURL: remoteURL) {
            lines.append("  pull request: \(link)")
        }
        lines += [
            "  resolve, then push \(main); the next sync sends the result to Kapso:",
            "    git fetch origin && git merge origin/\(branch)    # edit what conflicts, commit",
            "    git merge -X theirs origin/\(branch)               # Kapso's version where they differ",
            "    git merge -s ours origin/\(branch)                 # keep \(main)'s version whole",
        ]
        return lines
    }
}
