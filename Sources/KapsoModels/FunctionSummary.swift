import CanonicalJSON

/// A serverless function as `GET /functions` lists it: enough to map `function_id` ↔ `function_slug`
/// and to tell whether its content may have changed since it was last synced.
public struct FunctionSummary: Sendable, Equatable {
    public let id: String
    public let slug: String
    public let name: String?
    public let lockVersion: Int?
    public let updatedAt: String?
    /// `draft`, `deployed` or `error` (the last deployment failed).
    public let status: String?

    public init(id: String, slug: String, name: String?, lockVersion: Int? = nil, updatedAt: String? = nil, status: String? = nil) {
        self.id = id
        self.slug = slug
        self.name = name
        self.lockVersion = lockVersion
        self.updatedAt = updatedAt
        self.status = status
    }

    public init(_ value: JSONValue) throws(ModelError) {
        guard let object = value.objectValue else { throw ModelError("function is \(value.kindName), expected object") }
        id = try object.requiredString("id", in: "function")
        let context = "function \(id)"
        slug = try object.requiredString("slug", in: context)
        name = try object.optionalString("name", in: context)
        lockVersion = try object.optionalInt("lock_version", in: context)
        updatedAt = try object.optionalString("updated_at", in: context)
        status = try object.optionalString("status", in: context)
    }
}

/// The answer of `GET /functions`: the functions that could be read, and a note for each that could
/// not. A function missing from a list with unreadable entries may be one of them: it is not gone.
public struct FunctionList: Sendable {
    public let functions: [FunctionSummary]
    public let invalid: [WorkflowList.InvalidEntry]

    public init(functions: [FunctionSummary], invalid: [WorkflowList.InvalidEntry] = []) {
        self.functions = functions
        self.invalid = invalid
    }

    public init(items: [JSONValue]) {
        var functions: [FunctionSummary] = []
        var invalid: [WorkflowList.InvalidEntry] = []
        for (index, item) in items.enumerated() {
            do {
                functions.append(try FunctionSummary(item))
            } catch {
                let reference = item["slug"]?.stringValue ?? item["id"]?.stringValue ?? "entry \(index)"
                invalid.append(.init(reference: reference, reason: error.detail))
            }
        }
        self.functions = functions
        self.invalid = invalid
    }
}
