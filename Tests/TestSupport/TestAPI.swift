import Foundation
import KapsoAPI
import KapsoFake
import KapsoModels
import Testing

/// The two Kapso APIs the service can talk to, for tests that run against each (`@Test(arguments:)`).
public enum TestAPI: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case platform, legacy

    public var testDescription: String { rawValue }

    /// The engine's backend for this API, on a started fake.
    public func backend(fake: KapsoFake, configuration: (URL) -> KapsoClientConfiguration) async -> any KapsoBackend {
        switch self {
        case .platform:
            return KapsoClient(configuration: configuration(await fake.baseURL!))
        case .legacy:
            return LegacyFlowsClient(http: KapsoClient(configuration: configuration(await fake.legacyBaseURL!)))
        }
    }
}

extension TestAPI {
    /// The `lock_version` the service records for a workflow as the fake holds it: Kapso's own on the
    /// Platform API, the one derived from `updated_at` on the legacy API.
    public func lockVersion(of workflow: FakeWorkflow) -> Int? {
        switch self {
        case .platform: workflow.lockVersion
        case .legacy: LegacyVersion.lockVersion(updatedAt: workflow.updatedAt)
        }
    }

    /// The requests of a cycle that finds nothing changed: the lists (the legacy API has no functions).
    public var idleRequests: [String] {
        switch self {
        case .platform: ["GET", "GET"]
        case .legacy: ["GET"]
        }
    }

    /// The requests among `records` that wrote triggers (one `PUT` on the Platform API; one request per
    /// trigger created, switched or deleted on the legacy API).
    public func triggerWrites(_ records: [FakeRequestRecord]) -> Int {
        records.filter { record in
            switch self {
            case .platform: record.method == "PUT" && record.path.hasSuffix("/triggers")
            case .legacy: record.method != "GET" && (record.path.hasSuffix("/triggers") || record.path.hasPrefix("/triggers/"))
            }
        }.count
    }
}
