import ArgumentParser
import CanonicalJSON
import Foundation
import GitStore
import WorkflowMerge
import WorkflowRepo
import YAMLValue

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The semantic diff of the workflows between two commits, or a commit and the working tree.",
        discussion: """
            In a checkout (any repository in the Kapso CLI layout): `diff` compares HEAD with the working tree, `diff A` \
            compares A with the working tree, `diff A B` compares two commits. With --repo (a bare repository): `diff` \
            compares HEAD~1 with HEAD, `diff A` compares A with HEAD. Per workflow: added, removed, renamed; nodes, edges \
            and triggers added, removed and changed, with every changed field's values; texts as the lines that changed; \
            nodes that only moved counted on one line. Values that look like credentials are masked. \
            Exit code 0 (with --exit-code: 0 no change, 1 changes), 2 a revision or repository that cannot be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

    @Argument(help: "Up to two revisions (as git names them: HEAD, main, HEAD~2, a commit id).")
    var revisions: [String] = []

    @Option(help: "A bare repository to read instead of a checkout.")
    var repo: String?

    @Option(help: "The checkout (default: the current directory).")
    var directory = "."

    @Option(help: "text, markdown or json.")
    var format: Format = .text

    @Flag(help: "Exit 1 when a workflow changed, 0 when none did (as git diff --exit-code).")
    var exitCode = false

    func validate() throws {
        guard revisions.count <= 2 else { throw ValidationError("at most two revisions") }
    }

    func run() async throws {
        let git: GitStore
        do {
            git = try GitStore(path: repo ?? directory, createIfMissing: false)
        } catch {
            Self.fail("\(repo ?? directory): not a git repository (\(error))")
        }
        let (old, new): (String, String?) =
            if repo != nil {
                switch revisions.count {
                case 0: ("HEAD~1", "HEAD")
                case 1: (revisions[0], "HEAD")
                default: (revisions[0], revisions[1])
                }
            } else {
                (revisions.first ?? "HEAD", revisions.count == 2 ? revisions[1] : nil)
            }
        let before = try await Self.folders(at: old, in: git)
        let after: [String: [String: ObjectID]]
        var workingTree: [String: [UInt8]] = [:]
        if let new {
            after = try await Self.folders(at: new, in: git)
        } else {
            (after, workingTree) = try await Self.workingTreeFolders(directory, git: git)
        }
        var beforeSides: [String: WorkflowDiffReport.Side] = [:]
        var afterSides: [String: WorkflowDiffReport.Side] = [:]
        // Only folders whose files differ are read: the rest cannot have changed.
        for folder in Set(before.keys).union(after.keys) where before[folder] != after[folder] {
            if let files = before[folder] { beforeSides[folder] = try await Self.side(files) { try await git.readBlob($0.value) } }
            if let files = after[folder] {
                let onDisk = workingTree
                afterSides[folder] = try await Self.side(files) { file in
                    if let bytes = onDisk[file.key] { return bytes }
                    return try await git.readBlob(file.value)
                }
            }
        }
        let report = WorkflowDiffReport.build(before: beforeSides, after: afterSides)
        switch format {
        case .text: print(report.text(), terminator: "")
        case .markdown: print(report.markdown(), terminator: "")
        case .json: print(try report.json(), terminator: "")
        }
        if exitCode && !report.isEmpty { throw ExitCode(1) }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// Folder → its two files' blob ids in a commit.
    static func folders(at revision: String, in git: GitStore) async throws -> [String: [String: ObjectID]] {
        guard let commit = try await git.commit(named: revision) else { fail("\(revision): no such revision") }
        return RepositoryLayout.workflowFilesByFolder(
            try await git.files(inTree: try await git.tree(ofCommit: commit), under: RepositoryLayout.workflowsFolder))
    }

    /// The same for the working tree, with the files' bytes (hashed as git would, to compare with commits).
    static func workingTreeFolders(_ directory: String, git: GitStore) async throws -> ([String: [String: ObjectID]], [String: [UInt8]]) {
        let root = URL(fileURLWithPath: directory).appendingPathComponent(RepositoryLayout.workflowsFolder)
        var files: [String: ObjectID] = [:]
        var bytes: [String: [UInt8]] = [:]
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            for name in ["definition.json", "workflow.yaml"] {
                guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("\(folder)/\(name)").path) else {
                    continue
                }
                let path = "\(RepositoryLayout.workflowsFolder)/\(folder)/\(name)"
                bytes[path] = [UInt8](data)
                files[path] = try await git.blobID(of: [UInt8](data))
            }
        }
        return (RepositoryLayout.workflowFilesByFolder(files), bytes)
    }

    /// A folder's workflow, its values that look like credentials masked; or why it cannot be read.
    static func side(
        _ files: [String: ObjectID], read: ((key: String, value: ObjectID)) async throws -> [UInt8]
    ) async throws -> WorkflowDiffReport.Side {
        var definition: [String: JSONValue] = [:]
        var metadata: [String: JSONValue] = [:]
        for file in files.sorted(by: { $0.key < $1.key }) {
            let bytes = try await read(file)
            do {
                if file.key.hasSuffix("definition.json") {
                    guard let object = try JSONParser.parse(bytes).objectValue else { return .unreadable("\(file.key): not a JSON object") }
                    definition = object
                } else {
                    guard let text = String(validating: bytes, as: UTF8.self), let object = try YAMLNodeConverter.parse(text).objectValue
                    else { return .unreadable("\(file.key): not a YAML mapping") }
                    metadata = object
                }
            } catch {
                return .unreadable("\(file.key): \(error)")
            }
        }
        let masked = { (object: [String: JSONValue]) in SecretMask.masked(.object(object), key: "").objectValue ?? [:] }
        return .workflow(.init(definition: masked(definition), metadata: masked(metadata)))
    }
}
