import CanonicalJSON
import KapsoModels
import KapsoYAML

/// A function as its folder on the branch describes it: what a push or a create sends to Kapso.
/// Keys the file leaves out are left as Kapso has them.
public struct LocalFunction: Sendable, Equatable {
    public let folder: String
    public let name: String
    public let functionType: String
    public let invokeResponseMode: String?
    public let publicEndpoint: Bool?
    public let runtimeConfig: JSONValue?
    public let code: String

    public static let knownKeys: Set<String> = [
        "entrypoint", "function_type", "invoke_response_mode", "name", "public_endpoint", "runtime_config", "slug",
    ]

    /// Reads `functions/<folder>/function.yaml` and `index.js`; the error names the file and what is wrong.
    public static func read(folder: String, yaml: [UInt8]?, code: [UInt8]?) throws(LayoutError) -> LocalFunction {
        let yamlPath = FunctionFiles.yamlPath(folder)
        let codePath = FunctionFiles.codePath(folder)
        guard let yaml else { throw .invalidFile(path: yamlPath, detail: "missing (a function folder needs function.yaml and index.js)") }
        guard let code else { throw .invalidFile(path: codePath, detail: "missing (a function folder needs function.yaml and index.js)") }
        guard let text = String(validating: yaml, as: UTF8.self) else { throw .invalidFile(path: yamlPath, detail: "not UTF-8 text") }
        guard let codeText = String(validating: code, as: UTF8.self) else {
            throw .invalidFile(path: codePath, detail: "not UTF-8 text (Kapso stores function code as text)")
        }
        let settings: [String: JSONValue]
        do {
            guard let object = try YAMLNodeConverter.parse(text).objectValue else {
                throw LayoutError.invalidFile(path: yamlPath, detail: "not a mapping of settings")
            }
            settings = object
        } catch let error as LayoutError {
            throw error
        } catch {
            throw .invalidFile(path: yamlPath, detail: "not valid YAML: \(error)")
        }
        if let unknown = settings.keys.filter({ !knownKeys.contains($0) }).sorted().first {
            throw .invalidFile(path: yamlPath, detail: "unknown key \(unknown) (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String, required: Bool) throws(LayoutError) -> String? {
            switch settings[key] {
            case .string(let value)?: return value
            case .none, .null?:
                if required { throw .invalidFile(path: yamlPath, detail: "\(key) is missing") }
                return nil
            case let other?: throw .invalidFile(path: yamlPath, detail: "\(key) is \(other.kindName), expected a string")
            }
        }
        guard let slug = try string("slug", required: true), slug == folder else {
            throw .slugDiffersFromFolder(path: yamlPath, slug: settings["slug"]?.stringValue ?? "", folder: folder)
        }
        if let entrypoint = try string("entrypoint", required: false), entrypoint != FunctionFiles.codeName {
            throw .invalidFile(path: yamlPath, detail: "entrypoint \(entrypoint) is not supported: Kapso takes one file, index.js")
        }
        guard let name = try string("name", required: true), !name.isEmpty else {
            throw .invalidFile(path: yamlPath, detail: "name is empty")
        }
        let functionType = try string("function_type", required: true) ?? ""
        let mode = try string("invoke_response_mode", required: false)
        var publicEndpoint: Bool?
        switch settings["public_endpoint"] {
        case .none, .null?: publicEndpoint = nil
        case .bool(let flag)?: publicEndpoint = flag
        case let other?: throw .invalidFile(path: yamlPath, detail: "public_endpoint is \(other.kindName), expected true or false")
        }
        var runtimeConfig: JSONValue?
        switch settings["runtime_config"] {
        case .none, .null?: runtimeConfig = nil
        case .object(let object)?: runtimeConfig = .object(object)
        case let other?: throw .invalidFile(path: yamlPath, detail: "runtime_config is \(other.kindName), expected a mapping")
        }
        return LocalFunction(
            folder: folder, name: name, functionType: functionType, invokeResponseMode: mode, publicEndpoint: publicEndpoint,
            runtimeConfig: runtimeConfig, code: codeText)
    }

    /// What differs from Kapso's version, in the API's write shape: what a `PATCH` sends. `function_type`
    /// cannot be changed through the API, so a change of it is an error the caller reports.
    public func changedFields(from kapso: KapsoFunction) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if name != kapso.name { fields["name"] = .string(name) }
        if code != kapso.code { fields["code"] = .string(code) }
        if let invokeResponseMode, invokeResponseMode != kapso.invokeResponseMode {
            fields["invoke_response_mode"] = .string(invokeResponseMode)
        }
        if let publicEndpoint, publicEndpoint != kapso.publicEndpoint { fields["public_endpoint"] = .bool(publicEndpoint) }
        if let runtimeConfig, runtimeConfig != kapso.runtimeConfig { fields["runtime_config"] = runtimeConfig }
        return fields
    }

    /// The fields of `POST /functions` (which takes no `invoke_response_mode`: new functions pass through).
    public var createFields: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "name": .string(name), "slug": .string(folder), "code": .string(code), "function_type": .string(functionType),
        ]
        if let publicEndpoint { fields["public_endpoint"] = .bool(publicEndpoint) }
        if let runtimeConfig { fields["runtime_config"] = runtimeConfig }
        return fields
    }
}
