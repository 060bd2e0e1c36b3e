import CanonicalJSON
import KapsoModels
import KapsoYAML

/// Turns what the API returns for one workflow into the files the Kapso CLI would write:
/// pure, no I/O. Every field the server sent is kept except the edge's server-side `id` and
/// `flow_condition_id` and the volatile metadata; references become slugs where they can.
public enum WorkflowExporter {
    public struct Result: Sendable {
        public let files: WorkflowFiles
        /// References that could not be turned into slugs; the ids are kept in the file.
        public let warnings: [String]
    }

    public static let defaultMessageDebounceSeconds = 1
    public static let defaultInboundMessageReadMode = "read_with_typing"

    public static func export(
        _ workflow: WorkflowWithDefinition, triggers: [WorkflowTrigger], references: ReferenceMaps
    ) throws(LayoutError) -> Result {
        let slug = try Slug(workflow.workflow.slug)
        var warnings: [String] = []
        let nodes = workflow.nodes.map { exportNode($0, references: references, warnings: &warnings) }
        let edges = workflow.edges.map(exportEdge)
        var definition = workflow.definition
        definition["nodes"] = .array(nodes)
        definition["edges"] = .array(edges)
        let definitionBytes = CanonicalJSONWriter.canonicalBytes(.object(definition))
        let yaml = workflowYAML(workflow.workflow, triggers: triggers)
        return Result(
            files: WorkflowFiles(
                slug: slug, definitionJSON: definitionBytes, workflowYAML: CanonicalYAMLWriter.canonicalBytes(yaml)),
            warnings: warnings)
    }

    /// `workflow.yaml`: the CLI's fields, plus the metadata that differs from Kapso's defaults.
    public static func workflowYAML(_ workflow: WorkflowSummary, triggers: [WorkflowTrigger]) -> JSONValue {
        var object: [String: JSONValue] = [
            "definition": "definition.json",
            "name": .string(workflow.name),
            "slug": .string(workflow.slug),
            "status": .string(workflow.status),
            "triggers": .array(triggers.map(exportTrigger)),
        ]
        if let description = workflow.raw["description"]?.stringValue, !description.isEmpty {
            object["description"] = .string(description)
        }
        if let debounce = workflow.raw["message_debounce_seconds"], let number = debounce.numberValue,
            number.intValue != defaultMessageDebounceSeconds
        {
            object["message_debounce_seconds"] = debounce
        }
        if let readMode = workflow.raw["inbound_message_read_mode"]?.stringValue, readMode != defaultInboundMessageReadMode {
            object["inbound_message_read_mode"] = .string(readMode)
        }
        return .object(object)
    }

    /// `{active, triggerType, phoneNumberId?, event?, triggerableAttributes?}` as in the CLI's files;
    /// settings with no camelCase field of their own go, unchanged, under `triggerableAttributes`.
    public static func exportTrigger(_ trigger: WorkflowTrigger) -> JSONValue {
        var object: [String: JSONValue] = ["active": .bool(trigger.active), "triggerType": .string(trigger.triggerType)]
        var remaining = trigger.triggerable
        if trigger.triggerType == "inbound_message" || trigger.triggerType == "whatsapp_event" {
            if let phone = remaining.removeValue(forKey: "phone_number_id"), !phone.isNull {
                object["phoneNumberId"] = phone
            }
        }
        if trigger.triggerType == "whatsapp_event", let event = remaining.removeValue(forKey: "event"), !event.isNull {
            object["event"] = event
        }
        if !remaining.isEmpty {
            object["triggerableAttributes"] = .object(remaining)
        }
        return .object(object)
    }

    static func exportEdge(_ edge: JSONValue) -> JSONValue {
        guard var object = edge.objectValue else { return edge }
        object.removeValue(forKey: "id")
        object.removeValue(forKey: "flow_condition_id")
        return .object(object)
    }

    static func exportNode(_ node: JSONValue, references: ReferenceMaps, warnings: inout [String]) -> JSONValue {
        guard var object = node.objectValue, var data = object["data"]?.objectValue,
            let config = data["config"]
        else { return node }
        let nodeID = object["id"]?.stringValue ?? "?"
        let functionsMapped = mapFunctionReferences(config, references: references, nodeID: nodeID, warnings: &warnings)
        var mapped = functionsMapped ?? config
        var changed = functionsMapped != nil
        if data["node_type"]?.stringValue == "call", var callConfig = mapped.objectValue,
            let workflowID = callConfig["workflow_id"]?.stringValue
        {
            if let slug = references.workflowSlugByID[workflowID] {
                callConfig.removeValue(forKey: "workflow_id")
                callConfig["workflow_slug"] = .string(slug)
                mapped = .object(callConfig)
                changed = true
            } else {
                warnings.append("node \(nodeID): called workflow \(workflowID) is not in the project; its id is kept")
            }
        }
        // Most nodes name no function and call no workflow: they are kept as parsed, not copied.
        guard changed else { return node }
        data["config"] = mapped
        object["data"] = .object(data)
        return .object(object)
    }

    /// `function_id` → `function_slug` wherever it appears in a config (function and decide nodes,
    /// agent function tools); nil where nothing changed, so that unchanged values are not rebuilt.
    static func mapFunctionReferences(
        _ value: JSONValue, references: ReferenceMaps, nodeID: String, warnings: inout [String]
    ) -> JSONValue? {
        switch value {
        case .object(let original):
            var object = original
            var changed = false
            for (key, child) in original {
                if let mapped = mapFunctionReferences(child, references: references, nodeID: nodeID, warnings: &warnings) {
                    object[key] = mapped
                    changed = true
                }
            }
            if let functionID = object["function_id"]?.stringValue {
                if let slug = references.functionSlugByID[functionID] {
                    object.removeValue(forKey: "function_id")
                    object["function_slug"] = .string(slug)
                    changed = true
                } else if !references.keepsIDs {
                    warnings.append("node \(nodeID): function \(functionID) is not in the project; its id is kept")
                }
            }
            return changed ? .object(object) : nil
        case .array(let original):
            var array = original
            var changed = false
            for (index, element) in original.enumerated() {
                if let mapped = mapFunctionReferences(element, references: references, nodeID: nodeID, warnings: &warnings) {
                    array[index] = mapped
                    changed = true
                }
            }
            return changed ? .array(array) : nil
        default:
            return nil
        }
    }
}
