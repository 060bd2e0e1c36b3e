/// Where each file of a Kapso project lives in the repository: the official Kapso CLI's layout.
public enum RepositoryLayout {
    public static let kapsoYAML = "kapso.yaml"
    public static let projectJSON = ".kapso/project.json"
    public static let remoteMap = ".kapso/remote-map.json"
    public static let workflowsFolder = "workflows"

    public static func folder(_ slug: Slug) -> String { "\(workflowsFolder)/\(slug.value)" }
    public static func definitionPath(_ slug: Slug) -> String { "\(folder(slug))/definition.json" }
    public static func workflowYAMLPath(_ slug: Slug) -> String { "\(folder(slug))/workflow.yaml" }

    /// The files of a workflow that the service owns and rewrites on pull.
    public static func ownedPaths(_ slug: Slug) -> [String] { [definitionPath(slug), workflowYAMLPath(slug)] }

    /// The workflow files among `files` (paths under `workflows/`, from any tree), by folder:
    /// `workflows/<folder>/definition.json` and `workflow.yaml`, nothing deeper and nothing else.
    /// Inlinable, so that it is specialised for the caller's `Value`: unspecialised, its dictionary
    /// updates were most of the cost of reading a 10,000-folder tree.
    @inlinable
    public static func workflowFilesByFolder<Value>(_ files: [String: Value]) -> [String: [String: Value]] {
        var folders: [String: [String: Value]] = [:]
        for (path, value) in files {
            let utf8 = path.utf8
            guard let firstSlash = utf8.firstIndex(of: UInt8(ascii: "/")),
                let secondSlash = utf8[utf8.index(after: firstSlash)...].firstIndex(of: UInt8(ascii: "/"))
            else { continue }
            let name = path[utf8.index(after: secondSlash)...]
            guard name == "definition.json" || name == "workflow.yaml", path[..<firstSlash] == workflowsFolder else { continue }
            folders[String(path[utf8.index(after: firstSlash)..<secondSlash]), default: [:]][path] = value
        }
        return folders
    }

    /// `kapso.yaml` as the CLI writes it.
    public static let kapsoYAMLBytes = Array("version: 1\n".utf8)
}
