import Foundation
import GitSyncConfig
import Testing

/// A key or token never crosses a network in clear text unless the operator says the network is trusted.
@Suite struct InsecureTransportTests {
    static func parse(_ overrides: [String], environment: [String: String] = [:]) throws(ConfigurationError) -> Configuration {
        try ConfigurationLoader.parse(
            "repository:\n  path: r.git\n", source: "test.yaml", baseDirectory: "/etc", environment: environment, overrides: overrides)
    }

    @Test(arguments: [
        (["kapso.api_url=http://kapso.example.com/platform/v1"], "kapso.api_url" as String?),
        (["kapso.api_url=HTTP://kapso.example.com/platform/v1"], "kapso.api_url"),
        (["kapso.api_url=http://10.0.0.5:8080/platform/v1"], "kapso.api_url"),
        (["kapso.api_url=http://kapso.example.com/platform/v1", "kapso.allow_insecure=true"], nil),
        (["kapso.api_url=http://127.0.0.1:8080/platform/v1"], nil),
        (["kapso.api_url=http://127.3.4.5:8080/platform/v1"], nil),
        (["kapso.api_url=http://localhost:8080/platform/v1"], nil),
        (["kapso.api_url=http://[::1]:8080/platform/v1"], nil),
        (["kapso.api_url=http://127.0.0.1.example.com/platform/v1"], "kapso.api_url"),
        (["kapso.api_url=https://kapso.example.com/platform/v1"], nil),
        (["remote.url=http://git.example.com/flows.git", "remote.https_token_file=/run/token"], "remote.url"),
        (["remote.url=http://git.example.com/flows.git", "remote.https_token_file=/run/token", "remote.allow_insecure=yes"], nil),
        (["remote.url=http://git.example.com/flows.git"], nil),
        (["remote.url=http://127.0.0.1:3000/flows.git", "remote.https_token_file=/run/token"], nil),
        (["remote.url=https://git.example.com/flows.git", "remote.https_token_file=/run/token"], nil),
    ])
    func anHTTPURLThatCarriesACredentialIsRefused(overrides: [String], refusedKey: String?) {
        do {
            _ = try Self.parse(overrides)
            #expect(refusedKey == nil, "\(overrides) was accepted")
        } catch {
            #expect(error.key == refusedKey, "\(error)")
            #expect(error.description.contains("in clear text"), "\(error)")
        }
    }

    @Test func aTokenFromASystemdCredentialIsCheckedWhenItIsRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("insecure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("secret-token".utf8).write(to: directory.appendingPathComponent("git-token"))
        let environment = ["CREDENTIALS_DIRECTORY": directory.path]
        let configuration = try Self.parse(["remote.url=http://git.example.com/flows.git"], environment: environment)
        let remote = try #require(configuration.remote)
        #expect(throws: ConfigurationError.self) { try remote.access(environment: environment) }
        do {
            _ = try remote.access(environment: environment)
        } catch {
            #expect(error.key == "remote.url")
            #expect(!error.description.contains("secret-token"))
        }
    }
}
