import CanonicalJSON

/// The legacy Flows API has no "replace the triggers": each trigger is created, switched on or off,
/// or deleted on its own. This turns the desired set (the engine's write shape) and the current one
/// (as `GET /flows/{id}/triggers` answers) into those requests. A trigger is the same trigger when its
/// type and WhatsApp config match; only `active` can change in place. Pure.
public enum LegacyTriggerPlan {
    public enum Action: Equatable, Sendable {
        case create(JSONValue)
        case setActive(triggerID: String, active: Bool)
        case delete(triggerID: String)
    }

    public struct Unsupported: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func plan(current: [JSONValue], desired: [JSONValue]) throws(Unsupported) -> [Action] {
        var unmatched = current
        var creates: [Action] = []
        var updates: [Action] = []
        for (index, trigger) in desired.enumerated() {
            let type = trigger["trigger_type"]?.stringValue ?? ""
            var body: [String: JSONValue] = ["trigger_type": .string(type), "active": trigger["active"] ?? true]
            switch type {
            case "api_call":
                break
            case "inbound_message":
                guard let config = trigger["whatsapp_config_id"]?.stringValue else {
                    throw Unsupported(
                        description: "trigger \(index): an inbound_message trigger of the legacy Flows API names its "
                            + "whatsapp_config_id (in triggerableAttributes), not a phone number")
                }
                body["whatsapp_config_id"] = .string(config)
            default:
                throw Unsupported(description: "trigger \(index): the legacy Flows API has no \(type) triggers")
            }
            // A setting the API cannot hold would be dropped by the write and then by the files: refused instead.
            let settings = trigger.objectValue?.keys.filter { !["trigger_type", "active", "whatsapp_config_id"].contains($0) } ?? []
            if let setting = settings.sorted().first {
                throw Unsupported(description: "trigger \(index): the legacy Flows API's triggers have no \(setting)")
            }
            let key = self.key(type: type, config: body["whatsapp_config_id"]?.stringValue)
            if let position = unmatched.firstIndex(where: { self.key(of: $0) == key }) {
                let existing = unmatched.remove(at: position)
                let active = body["active"]?.boolValue ?? true
                if existing["active"]?.boolValue != active, let id = existing["id"]?.stringValue {
                    updates.append(.setActive(triggerID: id, active: active))
                }
            } else {
                creates.append(.create(.object(body)))
            }
        }
        let deletes = unmatched.compactMap { $0["id"]?.stringValue }.map { Action.delete(triggerID: $0) }
        return creates + updates + deletes
    }

    private static func key(of legacy: JSONValue) -> String {
        key(type: legacy["trigger_type"]?.stringValue ?? "", config: legacy["triggerable"]?["whatsapp_config_id"]?.stringValue)
    }

    private static func key(type: String, config: String?) -> String {
        type == "inbound_message" ? "\(type)|\(config ?? "")" : type
    }
}
