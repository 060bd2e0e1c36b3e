import ArgumentParser
import Foundation
import GitSyncConfig
import SyncEngine

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the last cycle found, from the state directory: every workflow and its state.",
        discussion: "Exit code 0: shown; 1: no cycle has run yet, or the configuration is wrong.")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @Flag(help: "Print the status as JSON.")
    var json = false

    func run() throws {
        let configuration: Configuration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("error: configuration: \(error)\n".utf8))
            throw ExitCode.failure
        }
        guard let status = StatusFile.load(from: configuration.stateDirectory) else {
            FileHandle.standardError.write(Data("error: no status in \(configuration.stateDirectory) yet: no cycle has run\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        let formatter = ISO8601DateFormatter()
        let when = formatter.string(from: Date(timeIntervalSince1970: status.updatedAt))
        print("last cycle: \(status.result) at \(when)" + (status.cycleID.map { " (cycle \($0))" } ?? ""))
        if let error = status.lastError { print("last error: \(error)") }
        if let success = status.lastSuccessAt {
            print("last success: \(formatter.string(from: Date(timeIntervalSince1970: success)))")
        }
        let width = max(8, status.workflows.map(\.slug.count).max() ?? 0)
        print("WORKFLOW".padding(toLength: width, withPad: " ", startingAt: 0) + "  STATE             DETAIL")
        for workflow in status.workflows {
            let detail = [workflow.detail, workflow.branch.map { "branch \($0)" }].compactMap { $0 }.joined(separator: "; ")
            print(
                workflow.slug.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + workflow.state.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + detail)
        }
    }
}
