import ArgumentParser
import Foundation
import KapsoModels
import WorkflowRepo

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the workflow and function files of a checkout, as a sync would before sending them to Kapso.",
        discussion: """
            Prints one line per problem, `file: rule: detail`, and on standard error a warning for each value that looks             like a credential (a secret committed to git stays in its history). Exit code 0: all valid; 1: problems found             (with --strict, credentials too).
            """)

    @Argument(help: "The checkout (the folder holding workflows/).")
    var directory = "."

    @Flag(help: "Values that look like credentials are problems, not warnings.")
    var strict = false

    @Option(help: "The Kapso API the files are sent to (kapso.api): platform, or legacy (the Flows API's node and trigger types).")
    var api = KapsoAPIDialect.platform.name

    func validate() throws {
        guard [KapsoAPIDialect.platform.name, KapsoAPIDialect.legacy.name].contains(api) else {
            throw ValidationError("--api must be platform or legacy, not \(api)")
        }
    }

    func run() throws {
        let root = URL(fileURLWithPath: directory)
        let workflowsFolder = root.appendingPathComponent(RepositoryLayout.workflowsFolder)
        guard let folders = Self.subfolders(of: workflowsFolder) else {
            FileHandle.standardError.write(Data("error: \(workflowsFolder.path): no workflows folder\n".utf8))
            throw ExitCode.failure
        }
        var issues: [String] = []
        for folder in folders {
            let url = workflowsFolder.appendingPathComponent(folder)
            do {
                let local = try LocalWorkflow.read(
                    folder: folder,
                    definitionJSON: FileManager.default.contents(atPath: url.appendingPathComponent("definition.json").path).map {
                        [UInt8]($0)
                    },
                    workflowYAML: FileManager.default.contents(atPath: url.appendingPathComponent("workflow.yaml").path).map { [UInt8]($0) }
                )
                issues.append(
                    contentsOf: WorkflowValidator.validate(local, dialect: api == "legacy" ? .legacy : .platform).map(\.description))
                let credentials =
                    SecretMask.findings(.object(local.definition)).map { "workflows/\(folder)/definition.json: credential: \($0)" }
                    + SecretMask.findings(.object(local.metadata)).map { "workflows/\(folder)/workflow.yaml: credential: \($0)" }
                let looksLike = credentials.map { $0 + " looks like a credential; keep secrets out of git (Kapso's secrets, a variable)" }
                if strict {
                    issues.append(contentsOf: looksLike)
                } else {
                    looksLike.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
                }
            } catch {
                issues.append(Self.issue(error, folder: "\(RepositoryLayout.workflowsFolder)/\(folder)"))
            }
        }
        let functions = Self.checkFunctions(in: root, issues: &issues)
        issues.forEach { print($0) }
        if !issues.isEmpty { throw ExitCode.failure }
        print("\(folders.count) workflows valid" + (functions > 0 ? ", \(functions) function\(functions == 1 ? "" : "s") valid" : ""))
    }

    /// `functions/<slug>/function.yaml` and `index.js`, read as a sync would before sending them; returns
    /// how many function folders there are.
    static func checkFunctions(in root: URL, issues: inout [String]) -> Int {
        let folder = root.appendingPathComponent(FunctionFiles.folder)
        guard let names = subfolders(of: folder) else { return 0 }
        for name in names {
            let url = folder.appendingPathComponent(name)
            let read = { (file: String) in FileManager.default.contents(atPath: url.appendingPathComponent(file).path).map { [UInt8]($0) } }
            do {
                _ = try LocalFunction.read(folder: name, yaml: read(FunctionFiles.yamlName), code: read(FunctionFiles.codeName))
            } catch {
                issues.append(issue(error, folder: FunctionFiles.folderPath(name)))
            }
        }
        return names.count
    }

    /// The folders directly in `folder`, sorted; nil when it cannot be read.
    static func subfolders(of folder: URL) -> [String]? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
        return names.sorted().filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    /// A file that cannot be read, as one line of the report; `folder`: the folder's path in the project.
    static func issue(_ error: LayoutError, folder: String) -> String {
        switch error {
        case .invalidFile(let path, let detail): "\(path): syntax: \(detail)"
        case .invalidSlug: "\(folder): slug: \(error)"
        case .slugDiffersFromFolder(let path, let slug, _):
            "\(path): slug: \"\(slug)\" differs from the folder; rename the folder or the slug"
        }
    }
}
