import ArgumentParser

@main
struct KapsoGitsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kapso-gitsync",
        abstract: "Keep the workflows of a Kapso project in sync with a git repository.",
        discussion: """
            Exit codes: 0 in sync (or synced); 1 error; 2 changes pending (plan); 3 conflicts, invalid or unreadable workflows remain.
            """,
        subcommands: [SyncCommand.self, PlanCommand.self, StatusCommand.self, ValidateCommand.self, ConfigCommand.self, DemoCommand.self])
}

/// Options every command that talks to Kapso and git shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}

enum ExitStatus {
    static let pending = ExitCode(2)
    static let incomplete = ExitCode(3)
}
