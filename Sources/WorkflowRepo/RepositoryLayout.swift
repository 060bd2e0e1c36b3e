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

    /// `kapso.yaml` as the CLI writes it.
    public static let kapsoYAMLBytes = Array("version: 1\n".utf8)
}
