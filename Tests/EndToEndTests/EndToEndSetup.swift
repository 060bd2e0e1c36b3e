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

    /// `configuration` gets the fake's base URL (of `api`) and returns the YAML file's text. `seed`: the
    /// real-workflow fixtures unless given.
    static func make(
        api: TestAPI = .platform, seed: ((KapsoFake) async throws -> Void)? = nil, configuration: (URL) -> String
    ) async throws -> EndToEndSetup {
        let directory = try TemporaryDirectory()
        let apiKey = "e2e-secret-\(UUID().uuidString)"
        let fake = KapsoFake(options: .init(apiKey: apiKey))
        if let seed { try await seed(fake) } else { try await fake.seed(fromDirectory: Fixtures.directory.path) }
        let platformURL = try await fake.start()
        let url = api == .legacy ? await fake.legacyBaseURL ?? platformURL : platformURL
        let configPath = directory.path + "/config.yaml"
        try Data(configuration(url).utf8).write(to: URL(fileURLWithPath: configPath))
        return EndToEndSetup(directory: directory, fake: fake, apiKey: apiKey, configPath: configPath)
    }

    /// For one-shot `sync` runs: the fake, no rate limit, a local repository, no status server.
    static func forSync(
        extraConfig: String = "", api: TestAPI = .platform, seed: ((KapsoFake) async throws -> Void)? = nil
    ) async throws -> EndToEndSetup {
        try await make(api: api, seed: seed) { url in
            """
            kapso:
              api: \(api.rawValue)
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
