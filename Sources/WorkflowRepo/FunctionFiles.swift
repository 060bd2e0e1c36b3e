import CanonicalJSON
import KapsoModels
import KapsoYAML

/// A function's two files in the Kapso CLI's layout: `functions/<slug>/function.yaml` (its settings,
/// keys sorted as the CLI writes them) and `functions/<slug>/index.js` (the code, byte for byte).
public struct FunctionFiles: Sendable, Equatable {
    public static let folder = "functions"
    public static let yamlName = "function.yaml"
    public static let codeName = "index.js"

    public let slug: String
    public let yaml: [UInt8]
    public let code: [UInt8]

    /// Kapso's version of a function as the CLI's pull writes it.
    public init(_ function: KapsoFunction) throws(LayoutError) {
        slug = try Slug(function.slug).value
        let settings: [String: JSONValue] = [
            "entrypoint": .string(Self.codeName), "function_type": .string(function.functionType),
            "invoke_response_mode": .string(function.invokeResponseMode), "name": .string(function.name),
            "public_endpoint": .bool(function.publicEndpoint), "runtime_config": function.runtimeConfig, "slug": .string(slug),
        ]
        yaml = CanonicalYAMLWriter.canonicalBytes(.object(settings))
        code = Array(function.code.utf8)
    }

    public var yamlPath: String { Self.yamlPath(slug) }
    public var codePath: String { Self.codePath(slug) }
    public var byPath: [String: [UInt8]] { [yamlPath: yaml, codePath: code] }
    /// Path → sha256 of the bytes, as the CLI records them in the remote-map.
    public var hashes: [String: String] { byPath.mapValues(FileHash.sha256) }

    /// `functions/<slug>`: how reports, logs and conflict branches name a function.
    public static func folderPath(_ folder: String) -> String { "\(Self.folder)/\(folder)" }
    public static func yamlPath(_ folder: String) -> String { "\(Self.folder)/\(folder)/\(yamlName)" }
    public static func codePath(_ folder: String) -> String { "\(Self.folder)/\(folder)/\(codeName)" }

    /// The function files among `files` (paths under `functions/`), by folder: `function.yaml` and
    /// `index.js` directly in `functions/<folder>/`, nothing deeper and nothing else.
    public static func byFolder<Value>(_ files: [String: Value]) -> [String: [String: Value]] {
        var folders: [String: [String: Value]] = [:]
        for (path, value) in files {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == folder, parts[2] == yamlName || parts[2] == codeName else { continue }
            folders[String(parts[1]), default: [:]][path] = value
        }
        return folders
    }
}
