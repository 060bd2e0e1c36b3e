import CanonicalJSON
import Foundation
import GitStore
import KapsoYAML
import SyncEngine
import WorkflowMerge
import WorkflowRepo

/// Where `diff`, `graph` and `review` read workflows: the commits of any repository in the Kapso CLI
/// layout, or a checkout's working tree. Folders are compared by their files' blob ids, so only the
/// folders that differ are read.
struct RevisionFiles {
    let git: GitStore
    /// The checkout whose working tree stands for "no revision"; nil for a bare repository.
    let checkout: String?
    /// The folder the Kapso project lives in (`--root`, as `repository.root`).
    let root: ProjectRoot

    /// Folder → its two files' blob ids, and the working tree's bytes where it was read.
    struct Snapshot {
        var folders: [String: [String: ObjectID]] = [:]
        var workingTree: [String: [UInt8]] = [:]
    }

    init(repo: String?, directory: String, root: String?) {
        self.root = ProjectRoot(root ?? "")
        do {
            git = try GitStore(path: repo ?? directory, createIfMissing: false)
        } catch {
            Self.fail("\(repo ?? directory): not a git repository (\(error))")
        }
        checkout = repo == nil ? directory : nil
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// The workflow folders of a revision, or of the working tree when `revision` is nil.
    func snapshot(_ revision: String?) async throws -> Snapshot {
        guard let revision else {
            guard let checkout else { Self.fail("a bare repository has no working tree: name a revision") }
            return try await workingTree(checkout)
        }
        guard let commit = try await git.commit(named: revision) else { Self.fail("\(revision): no such revision") }
        let files = try await git.files(
            inTree: try await git.tree(ofCommit: commit), under: root.inRepository(RepositoryLayout.workflowsFolder))
        let inProject = Dictionary(
            files.compactMap { path, blob in root.inProject(path).map { ($0, blob) } }, uniquingKeysWith: { first, _ in first })
        return Snapshot(folders: RepositoryLayout.workflowFilesByFolder(inProject))
    }

    /// The files as bytes: the working tree's where the snapshot read them, else the blob's.
    func bytes(_ path: String, _ blob: ObjectID, in snapshot: Snapshot) async throws -> [UInt8] {
        if let bytes = snapshot.workingTree[path] { return bytes }
        return try await git.readBlob(blob)
    }

    /// A folder's workflow, its values that look like credentials masked; or why it cannot be read.
    func side(_ folder: String, in snapshot: Snapshot) async throws -> WorkflowDiffReport.Side? {
        guard let files = snapshot.folders[folder] else { return nil }
        var read: [(path: String, bytes: [UInt8])] = []
        for file in files.sorted(by: { $0.key < $1.key }) { read.append((file.key, try await bytes(file.key, file.value, in: snapshot))) }
        return Self.side(read)
    }

    /// A workflow's files (`definition.json`, `workflow.yaml`) as one side of a diff, masked.
    static func side(_ files: [(path: String, bytes: [UInt8])]) -> WorkflowDiffReport.Side {
        var definition: [String: JSONValue] = [:]
        var metadata: [String: JSONValue] = [:]
        for (path, bytes) in files {
            do {
                if path.hasSuffix("definition.json") {
                    guard let object = try JSONParser.parse(bytes).objectValue else { return .unreadable("\(path): not a JSON object") }
                    definition = object
                } else {
                    guard let text = String(validating: bytes, as: UTF8.self), let object = try YAMLNodeConverter.parse(text).objectValue
                    else { return .unreadable("\(path): not a YAML mapping") }
                    metadata = object
                }
            } catch {
                return .unreadable("\(path): \(error)")
            }
        }
        let masked = { (object: [String: JSONValue]) in SecretMask.masked(.object(object), key: "").objectValue ?? [:] }
        return .workflow(.init(definition: masked(definition), metadata: masked(metadata)))
    }

    /// The folder read as a sync reads it, for the validator.
    func local(_ folder: String, in snapshot: Snapshot) async throws -> Result<LocalWorkflow, LayoutError>? {
        guard let files = snapshot.folders[folder] else { return nil }
        var definition: [UInt8]?
        var yaml: [UInt8]?
        for file in files {
            let bytes = try await bytes(file.key, file.value, in: snapshot)
            if file.key.hasSuffix("definition.json") { definition = bytes } else { yaml = bytes }
        }
        return Result { () throws(LayoutError) in try LocalWorkflow.read(folder: folder, definitionJSON: definition, workflowYAML: yaml) }
    }

    /// Both sides of every folder whose files differ between two snapshots: only those are read.
    func changedSides(
        from before: Snapshot, to after: Snapshot
    ) async throws -> (
        before: [String: WorkflowDiffReport.Side], after: [String: WorkflowDiffReport.Side]
    ) {
        var beforeSides: [String: WorkflowDiffReport.Side] = [:]
        var afterSides: [String: WorkflowDiffReport.Side] = [:]
        for folder in Set(before.folders.keys).union(after.folders.keys) where before.folders[folder] != after.folders[folder] {
            beforeSides[folder] = try await side(folder, in: before)
            afterSides[folder] = try await side(folder, in: after)
        }
        return (beforeSides, afterSides)
    }

    private func workingTree(_ directory: String) async throws -> Snapshot {
        let root = URL(fileURLWithPath: directory).appendingPathComponent(self.root.inRepository(RepositoryLayout.workflowsFolder))
        var files: [String: ObjectID] = [:]
        var snapshot = Snapshot()
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            for name in ["definition.json", "workflow.yaml"] {
                guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("\(folder)/\(name)").path) else {
                    continue
                }
                let path = "\(RepositoryLayout.workflowsFolder)/\(folder)/\(name)"
                snapshot.workingTree[path] = [UInt8](data)
                files[path] = try await git.blobID(of: [UInt8](data))
            }
        }
        snapshot.folders = RepositoryLayout.workflowFilesByFolder(files)
        return snapshot
    }
}
