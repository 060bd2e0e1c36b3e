import CanonicalJSON

/// The Functions endpoints over the fake's state: list, get, create, update (with `lock_version`, 409
/// when stale) and deploy, with the API's validation (422). Secrets are never part of an answer.
extension FakeState {
    static let functionTypes: Set<String> = ["cloudflare_worker", "supabase_function"]
    static let invokeResponseModes: Set<String> = ["wrapped", "passthrough"]
    static let maximumCodeBytes = 1_048_576

    func listFunctions() -> Answer {
        (200, ["data": .array(functions.map { $0.json(projectID: projectID) })])
    }

    func function(id: String) -> Answer {
        guard let function = functions.first(where: { $0.id == id }) else { return Self.error(404, "Function not found") }
        return (200, ["data": function.json(projectID: projectID)])
    }

    /// The function with this slug, registered with default code when the seed names one that is not there.
    mutating func function(slug: String, name: String?) -> FakeFunction {
        if let existing = functions.first(where: { $0.slug == slug }) { return existing }
        let now = identity.nextTimestamp()
        let function = FakeFunction(
            id: identity.nextID(), slug: slug, name: name ?? slug, code: FakeFunction.defaultCode, createdAt: now, updatedAt: now,
            lastDeployedAt: now)
        functions.append(function)
        return function
    }

    mutating func createFunction(body: JSONValue) -> Answer {
        guard let fields = body["function"]?.objectValue else { return Self.error(422, "function is required") }
        guard let name = fields["name"]?.stringValue, !name.isEmpty else { return Self.error(422, "Name can't be blank") }
        guard let code = fields["code"]?.stringValue else { return Self.error(422, "Code can't be blank") }
        guard let type = fields["function_type"]?.stringValue, Self.functionTypes.contains(type) else {
            return Self.error(422, "Function type is not included in the list")
        }
        let slug = fields["slug"]?.stringValue ?? Self.slugify(name)
        guard WriteShapeValidator.isSlug(slug) else { return Self.error(422, "Slug is invalid") }
        guard !functions.contains(where: { $0.slug == slug }) else { return Self.error(422, "Slug has already been taken") }
        let now = identity.nextTimestamp()
        var function = FakeFunction(id: identity.nextID(), slug: slug, name: name, code: code, createdAt: now, updatedAt: now)
        function.functionType = type
        function.status = "draft"
        function.version = nil
        function.lockVersion = 0
        if let problem = applyShared(fields, to: &function) {
            return Self.error(422, problem)
        }
        guard code.utf8.count <= Self.maximumCodeBytes else { return Self.error(422, "Code is too long (maximum is 1 MB)") }
        functions.append(function)
        return (201, ["data": function.json(projectID: projectID)])
    }

    mutating func updateFunction(id: String, body: JSONValue) -> Answer {
        guard let index = functions.firstIndex(where: { $0.id == id }) else { return Self.error(404, "Function not found") }
        guard let fields = body["function"]?.objectValue else { return Self.error(422, "function is required") }
        var function = functions[index]
        if let sent = fields["lock_version"] {
            guard let sentVersion = sent.numberValue?.intValue else { return Self.error(422, "lock_version must be an integer") }
            if sentVersion != function.lockVersion {
                return Self.error(
                    409, "Function has been modified since lock_version \(sentVersion) (now \(function.lockVersion)); refetch and retry")
            }
        }
        if let unknown = fields.keys.first(where: { !Self.updatableFunctionFields.contains($0) }) {
            return Self.error(422, "\(unknown) cannot be updated")
        }
        if let name = fields["name"] {
            guard let name = name.stringValue, !name.isEmpty else { return Self.error(422, "Name can't be blank") }
            function.name = name
        }
        if let slug = fields["slug"] {
            guard let slug = slug.stringValue, WriteShapeValidator.isSlug(slug) else { return Self.error(422, "Slug is invalid") }
            if functions.contains(where: { $0.slug == slug && $0.id != id }) { return Self.error(422, "Slug has already been taken") }
            function.slug = slug
        }
        if let code = fields["code"] {
            guard let code = code.stringValue, code.utf8.count <= Self.maximumCodeBytes else {
                return Self.error(422, "Code must be a string of at most 1 MB")
            }
            if code != function.code { function.status = "draft" }
            function.code = code
        }
        if let mode = fields["invoke_response_mode"] {
            guard let mode = mode.stringValue, Self.invokeResponseModes.contains(mode) else {
                return Self.error(422, "Invoke response mode is not included in the list")
            }
            function.invokeResponseMode = mode
        }
        if let problem = applyShared(fields, to: &function) {
            return Self.error(422, problem)
        }
        function.lockVersion += 1
        function.updatedAt = identity.nextTimestamp()
        functions[index] = function
        return (200, ["data": function.json(projectID: projectID)])
    }

    static let updatableFunctionFields: Set<String> = [
        "name", "slug", "lock_version", "description", "code", "invoke_response_mode", "runtime_config", "public_endpoint",
    ]

    /// The fields create and update both take: `description`, `public_endpoint`, `runtime_config`.
    private func applyShared(_ fields: [String: JSONValue], to function: inout FakeFunction) -> String? {
        if let description = fields["description"] { function.description = description.stringValue }
        if let flag = fields["public_endpoint"] {
            guard let flag = flag.boolValue else { return "public_endpoint must be a boolean" }
            if flag && function.functionType != "cloudflare_worker" { return "Public endpoints are only supported for cloudflare_worker" }
            function.publicEndpoint = flag
        }
        if let settings = fields["runtime_config"] {
            guard let settings = settings.objectValue else { return "runtime_config must be an object" }
            function.runtimeConfig = settings
        }
        return nil
    }

    /// Deploys at once (the real one takes 10–60 s in the background), unless told to fail.
    mutating func deployFunction(id: String) -> Answer {
        guard let index = functions.firstIndex(where: { $0.id == id }) else { return Self.error(404, "Function not found") }
        var function = functions[index]
        function.deployments += 1
        switch function.deployOutcome {
        case .refused(let message):
            functions[index] = function
            return Self.error(422, message)
        case .failsInBackground:
            function.status = "error"
        case .deploys:
            function.status = "deployed"
            function.lastDeployedAt = identity.nextTimestamp()
            function.version = (function.version ?? 0) + 1
        }
        functions[index] = function
        return (202, ["message": "Function deployment initiated", "function_id": .string(id), "status": "deploying"])
    }
}
