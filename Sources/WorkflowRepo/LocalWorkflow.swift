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
        let slug = try Slug(folder)
        guard let definitionJSON else { throw .invalidFile(path: RepositoryLayout.definitionPath(slug), detail: "missing") }
        guard let workflowYAML else { throw .invalidFile(path: RepositoryLayout.workflowYAMLPath(slug), detail: "missing") }
        let definition = try parseDefinition(definitionJSON, slug: slug)
        let metadata = try parseMetadata(workflowYAML, slug: slug, movedFrom: movedFrom)
        return LocalWorkflow(
            slug: slug, definition: definition, metadata: metadata,
            files: WorkflowFiles(
                slug: slug, definitionJSON: CanonicalJSONWriter.canonicalBytes(.object(definition)),
                workflowYAML: CanonicalYAMLWriter.canonicalBytes(.object(metadata))))
    }

    // Each file is also parsed on its own, without its canonical form: a changelog compares only the
    // files that changed (laying out both versions of a hundred pulled workflows was a tenth of a `sync`).

    /// `definition.json` of the folder `slug`, parsed and checked.
    public static func parseDefinition(_ bytes: [UInt8], slug: Slug) throws(LayoutError) -> [String: JSONValue] {
        let path = RepositoryLayout.definitionPath(slug)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidFile(path: path, detail: error.description)
        }
        guard let definition = value.objectValue else {
            throw .invalidFile(path: path, detail: "must be a JSON object with nodes and edges")
        }
        return definition
    }

    /// `workflow.yaml` of the folder `slug`, parsed and checked (`movedFrom`: see `LocalWorkflow.read`).
    public static func parseMetadata(_ bytes: [UInt8], slug: Slug, movedFrom: String? = nil) throws(LayoutError) -> [String: JSONValue] {
        let path = RepositoryLayout.workflowYAMLPath(slug)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidFile(path: path, detail: "not UTF-8")
        }
        let value: JSONValue
        do {
            value = try YAMLNodeConverter.parse(text)
        } catch {
            throw .invalidFile(path: path, detail: "not valid YAML: \(error)")
        }
        guard var metadata = value.objectValue else {
            throw .invalidFile(path: path, detail: "must be a mapping")
        }
        if let declared = metadata["slug"], declared.stringValue != slug.value {
            guard let declaredSlug = declared.stringValue else {
                throw .invalidFile(path: path, detail: "slug must be a string, not \(declared.kindName)")
            }
            guard declaredSlug == movedFrom else {
                throw .slugDiffersFromFolder(path: path, slug: declaredSlug, folder: slug.value)
            }
            metadata["slug"] = .string(slug.value)
        }
        return metadata
    }
}
