import Foundation
import KapsoFake
import TestSupport

/// A fake Kapso seeded with the real-workflow fixtures, on loopback, and a configuration file
/// pointing at it, in a folder of the test's own.
struct EndToEndSetup {
    let directory: TemporaryDirectory
    let fake: KapsoFake
    let apiKey: String
    let configPath: String
    var repository: String { directory.path + "/repo.git" }
    var environment: [String: String] { ["KAPSO_API_KEY": apiKey] }

    /// `configuration` gets the fake's base URL and returns the YAML file's text.
    static func make(configuration: (URL) -> String) async throws -> EndToEndSetup {
        let directory = try TemporaryDirectory()
        let apiKey = "e2e-secret-\(UUID().uuidString)"
        let fake = KapsoFake(options: .init(apiKey: apiKey))
        try await fake.seed(fromDirectory: Fixtures.directory.path)
        let url = try await fake.start()
        let configPath = directory.path + "/config.yaml"
        try Data(configuration(url).utf8).write(to: URL(fileURLWithPath: configPath))
        return EndToEndSetup(directory: directory, fake: fake, apiKey: apiKey, configPath: configPath)
    }

    /// For one-shot `sync` runs: the fake, no rate limit, a local repository, no status server.
    static func forSync(extraConfig: String = "") async throws -> EndToEndSetup {
        try await make { url in
            """
            kapso:
              api_url: \(url.absoluteString)
              requests_per_minute: 0
            repository:
              path: repo.git
            status:
              listen: "off"
            \(extraConfig)
            """
        }
    }
}
