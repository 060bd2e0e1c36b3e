import ArgumentParser
import Foundation
import GitSyncConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the configuration and print the effective values, secrets left out.",
            discussion: "Exit code 0: valid; 1: an error, which names the key.")

        @Option(name: .long, help: "The YAML configuration file.")
        var config: String

        func run() throws {
            do {
                let configuration = try ConfigurationLoader.load(path: config)
                let client = try configuration.clientConfiguration()
                configuration.redactedDescription.forEach { print($0) }
                print("kapso.api_key: set (\(client.apiKey))")
            } catch {
                FileHandle.standardError.write(Data("error: configuration: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
