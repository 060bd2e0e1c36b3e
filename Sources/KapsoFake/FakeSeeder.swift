import CanonicalJSON
import Foundation
import KapsoYAML

/// Fills the fake from workflow files in the Kapso CLI layout, turning them back into what the
/// server stores (slugs → ids, server edge ids added), so that an exporter must reproduce them exactly.
enum FakeSeeder {
    struct SeedError: Error, CustomStringConvertible {
        let description: String
    }

    /// `directory` is a project (with `workflows/<slug>/` and perhaps `functions/<slug>/`) or a folder of
    /// workflow folders.
    static func seed(_ state: inout FakeState, fromDirectory directory: String) throws {
        let fileManager = FileManager.default
        var root = URL(fileURLWithPath: directory)
        if fileManager.fileExists(atPath: root.appendingPathComponent("workflows").path) {
            let functions = root.appendingPathComponent("functions")
            if fileManager.fileExists(atPath: functions.path) { try seedFunctions(&state, from: functions) }
            root = root.appendingPathComponent("workflows")
        }
        let folders = try fileManager.contentsOfDirectory(atPath: root.path).sorted()
        var pendingCalls: [(workflowID: String, nodeIndex: Int, slug: String, name: String?)] = []
        for folder in folders {
            let url = root.appendingPathComponent(folder)
            let yamlURL = url.appendingPathComponent("workflow.yaml")
            let definitionURL = url.appendingPathComponent("definition.json")
            guard fileManager.fileExists(atPath: yamlURL.path), fileManager.fileExists(atPath: definitionURL.path) else {
                continue
            }
            let metadata = try loadYAML(yamlURL)
            let definition = try JSONParser.parse([UInt8](try Data(contentsOf: definitionURL)))
            guard let name = metadata["name"]?.stringValue, let slug = metadata["slug"]?.stringValue else {
                throw SeedError(description: "\(yamlURL.path): name and slug are required")
            }
            var workflow = state.newWorkflow(name: name, slug: slug, status: metadata["status"]?.stringValue ?? "draft")
            workflow.lockVersion = 1
            workflow.description = metadata["description"]?.stringValue
            if let debounce = metadata["message_debounce_seconds"]?.numberValue?.intValue {
                workflow.messageDebounceSeconds = debounce
            }
            if let mode = metadata["inbound_message_read_mode"]?.stringValue { workflow.inboundMessageReadMode = mode }
            let nodes = definition["nodes"]?.arrayValue ?? []
            workflow.nodes = nodes.map { storedNode($0, state: &state) }
            for (index, node) in nodes.enumerated() {
                if let target = node["data"]?["config"]?["workflow_slug"]?.stringValue {
                    pendingCalls.append((workflow.id, index, target, node["data"]?["config"]?["workflow_name"]?.stringValue))
                }
            }
            workflow.edges = (definition["edges"]?.arrayValue ?? []).map { edge in
                guard var object = edge.objectValue else { return edge }
                object["id"] = .string(state.identity.nextID())
                object["flow_condition_id"] = state.conditionID(
                    source: object["source"]?.stringValue ?? "", label: object["label"]?.stringValue ?? "",
                    nodes: workflow.nodes)
                return .object(object)
            }
            for item in metadata["triggers"]?.arrayValue ?? [] {
                workflow.triggers.append(trigger(fromCLI: item, state: &state))
            }
            state.workflows[workflow.id] = workflow
        }
        resolveCalls(pendingCalls, state: &state)
    }

    /// Replaces `workflow_slug` with the id of the called workflow, creating a minimal workflow for a
    /// target outside the seed (it exists in the real project the files came from).
    private static func resolveCalls(
        _ calls: [(workflowID: String, nodeIndex: Int, slug: String, name: String?)], state: inout FakeState
    ) {
        for call in calls {
            let targetID: String
            if let existing = state.workflows.values.first(where: { $0.slug == call.slug }) {
                targetID = existing.id
            } else {
                var stub = state.newWorkflow(name: call.name ?? call.slug, slug: call.slug, status: "active")
                stub.lockVersion = 1
                stub.nodes = [
                    [
                        "id": "start", "type": "flow-node", "position": ["x": 100, "y": 100],
                        "data": ["node_type": "start", "config": [:], "display_name": "Start"],
                    ]
                ]
                state.workflows[stub.id] = stub
                targetID = stub.id
            }
            guard var workflow = state.workflows[call.workflowID], var node = workflow.nodes[call.nodeIndex].objectValue,
                var data = node["data"]?.objectValue, var config = data["config"]?.objectValue
            else { continue }
            config.removeValue(forKey: "workflow_slug")
            config["workflow_id"] = .string(targetID)
            data["config"] = .object(config)
            node["data"] = .object(data)
            workflow.nodes[call.nodeIndex] = .object(node)
            state.workflows[call.workflowID] = workflow
        }
    }

    /// `function_slug` → `function_id` anywhere in a node's config, registering the function.
    private static func storedNode(_ node: JSONValue, state: inout FakeState) -> JSONValue {
        func mapped(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(var object):
                for (key, child) in object { object[key] = mapped(child) }
                if let slug = object["function_slug"]?.stringValue {
                    let function = state.function(slug: slug, name: object["function_name"]?.stringValue)
                    object.removeValue(forKey: "function_slug")
                    object["function_id"] = .string(function.id)
                }
                return .object(object)
            case .array(let array):
                return .array(array.map(mapped))
            default:
                return value
            }
        }
        guard var object = node.objectValue, var data = object["data"]?.objectValue, let config = data["config"] else { return node }
        data["config"] = mapped(config)
        object["data"] = .object(data)
        return .object(object)
    }

    /// `functions/<slug>/function.yaml` and `index.js` (default code when a trimmed project left it out).
    private static func seedFunctions(_ state: inout FakeState, from root: URL) throws {
        let fileManager = FileManager.default
        for folder in try fileManager.contentsOfDirectory(atPath: root.path).sorted() {
            let yamlURL = root.appendingPathComponent(folder).appendingPathComponent("function.yaml")
            guard fileManager.fileExists(atPath: yamlURL.path) else { continue }
            let settings = try loadYAML(yamlURL)
            guard let slug = settings["slug"]?.stringValue else { throw SeedError(description: "\(yamlURL.path): slug is required") }
            var function = state.function(slug: slug, name: settings["name"]?.stringValue)
            let codeURL = root.appendingPathComponent(folder).appendingPathComponent("index.js")
            if let code = try? String(contentsOf: codeURL, encoding: .utf8) { function.code = code }
            if let type = settings["function_type"]?.stringValue { function.functionType = type }
            if let mode = settings["invoke_response_mode"]?.stringValue { function.invokeResponseMode = mode }
            if let flag = settings["public_endpoint"]?.boolValue { function.publicEndpoint = flag }
            if let config = settings["runtime_config"]?.objectValue { function.runtimeConfig = config }
            if let index = state.functions.firstIndex(where: { $0.id == function.id }) { state.functions[index] = function }
        }
    }

    private static func trigger(fromCLI item: JSONValue, state: inout FakeState) -> FakeTrigger {
        var triggerable = item["triggerableAttributes"]?.objectValue ?? [:]
        if let phone = item["phoneNumberId"] { triggerable["phone_number_id"] = phone }
        if let event = item["event"] { triggerable["event"] = event }
        return FakeTrigger(
            id: state.identity.nextID(), triggerType: item["triggerType"]?.stringValue ?? "api_call",
            active: item["active"]?.boolValue ?? true, triggerable: triggerable, createdAt: state.identity.nextTimestamp())
    }

    static func loadYAML(_ url: URL) throws -> JSONValue {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try YAMLNodeConverter.parse(text)
    }
}
