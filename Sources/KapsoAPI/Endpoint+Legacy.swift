/// The legacy Flows API's operations (`https://app.kapso.ai/api/v1`).
extension Endpoint {
    public static let listFlows = Endpoint(method: "GET", path: "/flows", template: "/flows")
    public static let createFlow = Endpoint(method: "POST", path: "/flows", template: "/flows")

    public static func flow(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/flows/\(escape(id))", template: "/flows/{id}")
    }

    public static func flowDefinition(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/flows/\(escape(id))/definition", template: "/flows/{id}/definition")
    }

    public static func updateFlow(_ id: String) -> Endpoint {
        Endpoint(method: "PATCH", path: "/flows/\(escape(id))", template: "/flows/{id}")
    }

    public static func flowTriggers(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/flows/\(escape(id))/triggers", template: "/flows/{id}/triggers")
    }

    public static func createFlowTrigger(_ id: String) -> Endpoint {
        Endpoint(method: "POST", path: "/flows/\(escape(id))/triggers", template: "/flows/{id}/triggers")
    }

    public static func updateTrigger(_ id: String) -> Endpoint {
        Endpoint(method: "PATCH", path: "/triggers/\(escape(id))", template: "/triggers/{id}")
    }

    public static func deleteTrigger(_ id: String) -> Endpoint {
        Endpoint(method: "DELETE", path: "/triggers/\(escape(id))", template: "/triggers/{id}")
    }
}
