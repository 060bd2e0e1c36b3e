import Foundation
import KapsoModels

/// One API operation: method, concrete path, and the path template used in errors and metrics.
public struct Endpoint: Sendable, CustomStringConvertible {
    public let method: String
    public let path: String
    public let template: String
    /// Whether sending it twice has the effect of sending it once, so a lost answer may be retried.
    public let idempotent: Bool

    public init(method: String, path: String, template: String, idempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.template = template
        self.idempotent = idempotent ?? (method != "POST")
    }

    /// `GET /workflows/{id}/definition` for metrics and logs.
    public var label: String { "\(method) \(template)" }
    /// `GET /workflows/7f…/definition`, for error messages a person reads.
    public var description: String { "\(method) \(path)" }

    public static let listWorkflows = Endpoint(method: "GET", path: "/workflows", template: "/workflows")

    /// A later page of the list, for an answer that says it has more.
    public static func listWorkflows(page: Int, perPage: Int?) -> Endpoint {
        let query = "page=\(page)" + (perPage.map { "&per_page=\($0)" } ?? "")
        return Endpoint(method: "GET", path: "/workflows?\(query)", template: "/workflows")
    }
    public static let listFunctions = Endpoint(method: "GET", path: "/functions", template: "/functions")
    public static let createWorkflow = Endpoint(method: "POST", path: "/workflows", template: "/workflows")

    public static func definition(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/workflows/\(escape(id))/definition", template: "/workflows/{id}/definition")
    }

    public static func triggers(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/workflows/\(escape(id))/triggers", template: "/workflows/{id}/triggers")
    }

    public static func updateWorkflow(_ id: String) -> Endpoint {
        Endpoint(method: "PATCH", path: "/workflows/\(escape(id))", template: "/workflows/{id}")
    }

    public static func replaceTriggers(_ id: String) -> Endpoint {
        Endpoint(method: "PUT", path: "/workflows/\(escape(id))/triggers", template: "/workflows/{id}/triggers")
    }

    public static let createFunction = Endpoint(method: "POST", path: "/functions", template: "/functions")

    public static func function(_ id: String) -> Endpoint {
        Endpoint(method: "GET", path: "/functions/\(escape(id))", template: "/functions/{id}")
    }

    public static func updateFunction(_ id: String) -> Endpoint {
        Endpoint(method: "PATCH", path: "/functions/\(escape(id))", template: "/functions/{id}")
    }

    public static func deployFunction(_ id: String) -> Endpoint {
        Endpoint(method: "POST", path: "/functions/\(escape(id))/deploy", template: "/functions/{id}/deploy")
    }

    /// Ids come from the server; escaping keeps a hostile one from changing the path.
    static func escape(_ component: String) -> String {
        // Ids are ASCII letters, digits and dashes: nothing to encode, and Foundation's encoder was 2%
        // of a first import's CPU.
        let unreserved = component.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x5F || byte == 0x2E
                || byte == 0x7E
        }
        if unreserved { return component }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }
}
