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
    public static func workflowFilesByFolder<Value>(_ files: [String: Value]) -> [String: [String: Value]] {
        var folders: [String: [String: Value]] = [:]
        for (path, value) in files {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == workflowsFolder, parts[2] == "definition.json" || parts[2] == "workflow.yaml" else {
                continue
            }
            folders[String(parts[1]), default: [:]][path] = value
        }
        return folders
    }

    /// `kapso.yaml` as the CLI writes it.
    public static let kapsoYAMLBytes = Array("version: 1\n".utf8)
}
