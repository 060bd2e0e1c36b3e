import ArgumentParser
import Foundation
import GitSyncComposition
import GitSyncConfig

@main
struct KapsoGitsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kapso-gitsync",
        abstract: "Keep the workflows of a Kapso project in sync with a git repository.",
        discussion: """
            Exit codes: 0 in sync (or synced; run: stopped cleanly); 1 error; 2 changes pending (plan); 3 conflicts, invalid or unreadable workflows remain.
            """,
        version: GitSyncVersion.current,
        subcommands: [
            RunCommand.self, SyncCommand.self, PlanCommand.self, StatusCommand.self, ConflictsCommand.self, ValidateCommand.self,
            ConfigCommand.self, DiffCommand.self, GraphCommand.self, ReviewCommand.self, TextconvCommand.self,
            DemoCommand.self,
        ])

    /// ArgumentParser's `main`, after the allocator's limit, which must come before any thread starts.
    static func main() async {
        MallocArenas.limitUnlessTuned(environment: ProcessInfo.processInfo.environment)
        await main(nil)
    }
}

/// Options every command that reads the configuration shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The YAML configuration file (default: $KAPSO_GITSYNC_CONFIG).")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Set a configuration key, as section.key=value (repeatable); wins over the file and KAPSO_GITSYNC_<SECTION>_<KEY>.",
            valueName: "section.key=value"))
    var overrides: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: log.level).")
    var logLevel: String?

    func loadConfiguration() throws(ConfigurationError) -> Configuration {
        let environment = ProcessInfo.processInfo.environment
        guard let path = config ?? environment[ConfigurationLoader.configPathVariable] else {
            throw ConfigurationError(
                key: "--config", message: "no configuration file: pass --config or set \(ConfigurationLoader.configPathVariable)")
        }
        return try ConfigurationLoader.load(path: path, environment: environment, overrides: overrides)
    }

    func loadConfigurationOrExit() -> Configuration {
        do {
            return try loadConfiguration()
        } catch {
            Runtime.fail("configuration: \(error)")
        }
    }
}

enum ExitStatus {
    static let pending = ExitCode(2)
    static let incomplete = ExitCode(3)
}
