import CanonicalJSON
import KapsoYAML

/// A workflow as it stands in git: its folder, the parsed files, and their canonical form, so that a
/// reformatted file (other indentation, key order, `1.0` for `1`) is not mistaken for a change.
public struct LocalWorkflow: Sendable, Equatable {
    public let slug: Slug
    public let definition: [String: JSONValue]
    public let metadata: [String: JSONValue]
    public let files: WorkflowFiles

    /// Path → sha256 of the canonical bytes: what the remote-map records for the same content.
    public var hashes: [String: String] { files.hashes }

    /// Reads the two files of `workflows/<folder>/`; any problem is an error naming the file.
    /// `movedFrom`: the folder was recognised as the workflow of that slug, moved in git, so a
    /// `slug:` naming it is taken as the folder's own (the write then renames the workflow).
    public static func read(
        folder: String, definitionJSON: [UInt8]?, workflowYAML: [UInt8]?, movedFrom: String? = nil
    ) throws(LayoutError) -> LocalWorkflow {
        let content = try Content.read(folder: folder, definitionJSON: definitionJSON, workflowYAML: workflowYAML, movedFrom: movedFrom)
        return LocalWorkflow(
            slug: content.slug, definition: content.definition, metadata: content.metadata,
            files: WorkflowFiles(
                slug: content.slug, definitionJSON: CanonicalJSONWriter.canonicalBytes(.object(content.definition)),
                workflowYAML: CanonicalYAMLWriter.canonicalBytes(.object(content.metadata))))
    }

    /// The two files parsed and checked as `read` checks them, without their canonical form: what a
    /// changelog compares (laying out both sides of a hundred pulled workflows was a tenth of the cycle).
    public struct Content: Sendable, Equatable {
        public let slug: Slug
        public let definition: [String: JSONValue]
        public let metadata: [String: JSONValue]

        public static func read(
            folder: String, definitionJSON: [UInt8]?, workflowYAML: [UInt8]?, movedFrom: String? = nil
        ) throws(LayoutError) -> Content {
            let slug = try Slug(folder)
            let definitionPath = RepositoryLayout.definitionPath(slug)
            let yamlPath = RepositoryLayout.workflowYAMLPath(slug)
            guard let definitionJSON else { throw .invalidFile(path: definitionPath, detail: "missing") }
            guard let workflowYAML else { throw .invalidFile(path: yamlPath, detail: "missing") }
            let definitionValue: JSONValue
            do {
                definitionValue = try JSONParser.parse(definitionJSON)
            } catch {
                throw .invalidFile(path: definitionPath, detail: error.description)
            }
            guard let definition = definitionValue.objectValue else {
                throw .invalidFile(path: definitionPath, detail: "must be a JSON object with nodes and edges")
            }
            guard let text = String(validating: workflowYAML, as: UTF8.self) else {
                throw .invalidFile(path: yamlPath, detail: "not UTF-8")
            }
            let metadataValue: JSONValue
            do {
                metadataValue = try YAMLNodeConverter.parse(text)
            } catch {
                throw .invalidFile(path: yamlPath, detail: "not valid YAML: \(error)")
            }
            guard var metadata = metadataValue.objectValue else {
                throw .invalidFile(path: yamlPath, detail: "must be a mapping")
            }
            if let declared = metadata["slug"], declared.stringValue != folder {
                guard let declaredSlug = declared.stringValue else {
                    throw .invalidFile(path: yamlPath, detail: "slug must be a string, not \(declared.kindName)")
                }
                guard declaredSlug == movedFrom else {
                    throw .slugDiffersFromFolder(path: yamlPath, slug: declaredSlug, folder: folder)
                }
                metadata["slug"] = .string(folder)
            }
            return Content(slug: slug, definition: definition, metadata: metadata)
        }
    }
}
