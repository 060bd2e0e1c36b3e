/// What differs between the two Kapso APIs in what they hold, as the sync engine and the validator
/// see it: the node and trigger types a write may use, whether functions exist, and whether Kapso
/// keeps slugs (so that references in files can name workflows and functions by slug).
public struct KapsoAPIDialect: Sendable, Equatable, CustomStringConvertible {
    /// `platform` or `legacy`, as `kapso.api` names it.
    public let name: String
    public let nodeTypes: Set<String>
    public let triggerTypes: Set<String>
    /// Whether Kapso has serverless functions behind this API (`/functions`).
    public let hasFunctions: Bool
    /// Whether Kapso keeps a slug per workflow and function. Without slugs, references in the files
    /// stay ids, and folder names are derived from names and kept by the remote-map.
    public let hasSlugs: Bool
    /// The workflow settings besides name, description and status that `workflow.yaml` may set.
    public let settings: Set<String>
    /// Whether an `inbound_message` trigger names a phone number (`phoneNumberId`); the legacy API's
    /// name a WhatsApp config (`triggerableAttributes.whatsapp_config_id`).
    public let inboundTriggersNamePhoneNumbers: Bool

    public var description: String { name }

    /// `https://api.kapso.ai/platform/v1`: workflows with slugs and `lock_version`, functions.
    public static let platform = KapsoAPIDialect(
        name: "platform",
        nodeTypes: [
            "start", "send_text", "send_template", "send_interactive", "wait_for_response", "decide", "function",
            "webhook", "agent", "call", "handoff", "set_variable", "emit_event",
        ],
        triggerTypes: ["inbound_message", "api_call", "whatsapp_event", "project_event"], hasFunctions: true, hasSlugs: true,
        settings: ["message_debounce_seconds", "inbound_message_read_mode"], inboundTriggersNamePhoneNumbers: true)

    /// `https://app.kapso.ai/api/v1`: flows with no slug, no `lock_version`, no functions; its write
    /// schema lacks `call`, `handoff` and `emit_event` and still has `pipedream`.
    public static let legacy = KapsoAPIDialect(
        name: "legacy",
        nodeTypes: [
            "start", "send_text", "send_template", "set_variable", "webhook", "wait_for_response", "decide",
            "send_interactive", "pipedream", "function", "agent",
        ],
        triggerTypes: ["inbound_message", "api_call"], hasFunctions: false, hasSlugs: false,
        settings: [], inboundTriggersNamePhoneNumbers: false)
}
