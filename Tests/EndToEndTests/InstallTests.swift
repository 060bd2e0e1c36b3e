import Foundation
import GitSyncConfig
import TestSupport
import Testing

/// `make install` as a packager or operator runs it, and systemd's own checks on the installed units.
@Suite struct InstallTests {
    static let root: URL = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        return root
    }()

    @Test func makeInstallHonoursPrefixAndDestdir() async throws {
        let stage = try TemporaryDirectory()
        let result = try await runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "make", "-s", "install", "BINARY=\(ProcessRunner.executable("kapso-gitsync").path)", "DESTDIR=\(stage.path)", "PREFIX=/usr",
            ],
            directory: Self.root.path)
        #expect(result.status == 0, "\(result.combined)")
        for path in [
            "/usr/bin/kapso-gitsync", "/usr/lib/systemd/system/kapso-gitsync.service", "/usr/lib/systemd/system/kapso-gitsync@.service",
            "/etc/kapso-gitsync/kapso-gitsync.yaml.example", "/usr/share/doc/kapso-gitsync/README.md",
        ] {
            #expect(FileManager.default.fileExists(atPath: stage.path + path), "\(path) installed")
        }
        #expect(FileManager.default.isExecutableFile(atPath: stage.path + "/usr/bin/kapso-gitsync"))
        let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(
            size(stage.path + "/usr/bin/kapso-gitsync") < size(ProcessRunner.executable("kapso-gitsync").path) * 4 / 5,
            "installed without its debug information")
        let help = try await runProcess(URL(fileURLWithPath: stage.path + "/usr/bin/kapso-gitsync"), ["--help"])
        #expect(help.status == 0 && help.standardOutput.contains("OVERVIEW"), "the stripped binary runs: \(help.combined)")
        let unit = try String(contentsOfFile: stage.path + "/usr/lib/systemd/system/kapso-gitsync.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/bin/kapso-gitsync run --config /etc/kapso-gitsync/kapso-gitsync.yaml\n"))
        #expect(!unit.contains("/usr/local"), "PREFIX reached every path")
    }

    /// `systemd-analyze verify` must pass and `security --offline=yes` rate both units 2.0 or lower.
    @Test(arguments: ["kapso-gitsync.service", "kapso-gitsync@.service"])
    func unitsPassSystemdsChecks(unit: String) async throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(FileManager.default.isExecutableFile(atPath: analyze), "systemd-analyze is needed (apt-get install systemd)")
        let prefix = try TemporaryDirectory()
        let install = try await runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "make", "-s", "install", "BINARY=\(ProcessRunner.executable("kapso-gitsync").path)", "PREFIX=\(prefix.path)",
                "SYSCONFDIR=\(prefix.path)/etc",
            ],
            directory: Self.root.path)
        try #require(install.status == 0, "\(install.combined)")
        // A template is checked as one of its instances.
        let source = prefix.path + "/lib/systemd/system/" + unit
        let checked = prefix.path + "/" + unit.replacingOccurrences(of: "@.", with: "@example.")
        if checked != source { try FileManager.default.copyItem(atPath: source, toPath: checked) }

        let verify = try await runProcess(URL(fileURLWithPath: analyze), ["verify", checked])
        #expect(verify.status == 0, "\(verify.combined)")
        #expect(verify.combined.isEmpty, "no warnings: \(verify.combined)")

        let security = try await runProcess(URL(fileURLWithPath: analyze), ["security", "--offline=yes", "--no-pager", checked])
        let overall = try #require(
            security.combined.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(security.combined)")
        let score = try #require(Double(overall.split(separator: ":").last?.split(separator: " ").first ?? ""), "\(overall)")
        #expect(score <= 2.0, "\(overall)")
    }

    @Test func everyConfigurationKeyIsDocumentedWithItsDefault() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try String(contentsOf: Self.root.appendingPathComponent("Config/kapso-gitsync.example.yaml"), encoding: .utf8)
        // The example is valid, and says the defaults: parsed, it is the configuration with nothing set.
        let parsed = try ConfigurationLoader.parse(example, source: "example", baseDirectory: "/etc/kapso-gitsync", environment: [:])
        #expect(parsed.service == ServiceSettings())
        #expect(parsed.repositoryPath == "/var/lib/kapso-gitsync/repo.git")
        #expect(parsed.requestsPerMinute == 100 && parsed.fullResyncIntervalSeconds == 3600 && parsed.deletionBrakeCount == 3)
        for (section, keys) in ConfigurationLoader.knownKeys {
            #expect(example.contains("\n\(section):\n"), "section \(section) in the example")
            for key in keys {
                #expect(readme.contains("`\(section).\(key)`"), "\(section).\(key) in the README")
                #expect(example.contains(" \(key):"), "\(section).\(key) in the example configuration")
            }
        }
    }
}
