import ArgumentParser
import Foundation
import SyncEngine

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Run one sync cycle: changes in Kapso are committed to git, changes in git are sent to Kapso.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let runtime = try Runtime(options: options)
        let report = try await runtime.runCycle(dryRun: false)
        report.summaryLines().forEach { print($0) }
        if report.needsAttention { throw ExitStatus.incomplete }
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a cycle would do, writing nothing.",
        discussion: "Exit code 0: nothing to do; 2: changes pending; 1: error.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let runtime = try Runtime(options: options)
        let report = try await runtime.runCycle(dryRun: true)
        report.summaryLines().forEach { print($0) }
        if report.hasChanges { throw ExitStatus.pending }
        if report.needsAttention { throw ExitStatus.incomplete }
    }
}
