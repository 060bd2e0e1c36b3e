/// The two files of one workflow, in their canonical bytes.
public struct WorkflowFiles: Sendable, Equatable {
    public let slug: Slug
    public let definitionJSON: [UInt8]
    public let workflowYAML: [UInt8]

    public init(slug: Slug, definitionJSON: [UInt8], workflowYAML: [UInt8]) {
        self.slug = slug
        self.definitionJSON = definitionJSON
        self.workflowYAML = workflowYAML
    }

    /// Path → sha256 of the bytes: what the remote-map records for this content.
    public var hashes: [String: String] {
        Dictionary(uniqueKeysWithValues: byPath.map { ($0.path, FileHash.sha256($0.bytes)) })
    }

    /// Path → bytes, in the repository layout.
    public var byPath: [(path: String, bytes: [UInt8])] {
        [
            (RepositoryLayout.definitionPath(slug), definitionJSON),
            (RepositoryLayout.workflowYAMLPath(slug), workflowYAML),
        ]
    }
}
