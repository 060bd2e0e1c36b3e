import CanonicalJSON

/// `.kapso/project.json`, which links the folder to a Kapso project, as `kapso link` writes it.
public enum ProjectFile {
    public static func bytes(projectID: String?, projectName: String?) -> [UInt8] {
        var object: [String: JSONValue] = ["version": 1]
        object["projectId"] = projectID.map { .string($0) } ?? .null
        object["projectName"] = projectName.map { .string($0) } ?? .null
        return CanonicalJSONWriter.canonicalBytes(.object(object))
    }
}
