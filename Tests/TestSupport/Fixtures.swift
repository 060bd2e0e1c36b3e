import Foundation
import Testing

/// The real workflow files the official CLI wrote, in `../shared/fixtures/real-workflows/`, beside
/// the repository in CI. A clone without `../shared` has no such files: the tests that read them
/// carry `Fixtures.required` and are skipped with a message; the project's own data
/// (`Config/demo-workflows`, generated workflows) serves every other test.
public enum Fixtures {
    public static var available: Bool { !folders.isEmpty }

    /// Skips a test, saying why, where the real-workflow fixtures are absent.
    public static var required: ConditionTrait {
        .enabled(if: available, "needs the real-workflow fixtures at ../shared/fixtures/real-workflows, absent in this clone")
    }

    public static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent().appendingPathComponent("shared/fixtures/real-workflows")
    }()

    /// The project's own demo workflows (`Config/demo-workflows`), present in every clone.
    public static let demoWorkflows: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Config/demo-workflows")
    }()

    public static var folders: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }.filter {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("definition.json").path)
        }
    }

    /// The trimmed real project the official CLI wrote (`../shared/fixtures/cli-project-sample/`).
    public static let cliProjectSample: URL = directory.deletingLastPathComponent().appendingPathComponent("cli-project-sample")

    /// Skips a test, saying why, where the CLI project sample is absent.
    public static var cliProjectRequired: ConditionTrait {
        .enabled(
            if: FileManager.default.fileExists(atPath: cliProjectSample.appendingPathComponent(".kapso/remote-map.json").path),
            "needs the CLI project sample at ../shared/fixtures/cli-project-sample, absent in this clone")
    }

    public static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}
