import ArgumentParser
import Foundation
import GitSyncComposition
import GitSyncConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with the configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract:
                "Validate the configuration (file, KAPSO_GITSYNC_… variables, --set) and print the effective values, secrets left out.",
            discussion: "Exit code 0: valid; 1: an error, which names the key.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            do {
                let configuration = try options.loadConfiguration()
                let client = try configuration.clientConfiguration()
                let (github, gitlab) = try configuration.service.webhookSecrets()
                configuration.redactedDescription.forEach { print($0) }
                print("kapso.api_key: set (\(client.apiKey))")
                print("webhooks.github: " + (github == nil ? "off (no secret)" : "on (secret [redacted])"))
                print("webhooks.gitlab: " + (gitlab == nil ? "off (no token)" : "on (token [redacted])"))
            } catch {
                FileHandle.standardError.write(Data("error: configuration: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
