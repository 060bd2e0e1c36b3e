import Foundation
import KapsoAPI
import KapsoFake
import KapsoModels
import Synchronization

/// A started fake and a client pointed at it, for one test.
public struct FakeServer: Sendable {
    public static let apiKey = "test-key-\(UUID().uuidString)"
    public let fake: KapsoFake
    public let url: URL

    public static func start(
        requestsPerMinute: Int = 0, retryAfterSeconds: Int = 60, blockClientsWithoutUserAgent: Bool = false,
        seed: (KapsoFake) async throws -> Void
    ) async throws -> FakeServer {
        let fake = KapsoFake(
            options: .init(
                apiKey: apiKey, requestsPerMinute: requestsPerMinute, retryAfterSeconds: retryAfterSeconds,
                blockClientsWithoutUserAgent: blockClientsWithoutUserAgent))
        try await seed(fake)
        return FakeServer(fake: fake, url: try await fake.start())
    }

    public func client(
        key: String = FakeServer.apiKey,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)),
        requestsPerMinute: Int = 0, timeout: Duration = .seconds(60), userAgent: String = "kapso-gitsync-tests",
        onEvent: @escaping @Sendable (KapsoClientEvent) -> Void = { _ in },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) -> KapsoClient {
        KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: url, apiKey: APIKey(key), requestTimeout: timeout, retry: retry, requestsPerMinute: requestsPerMinute,
                concurrency: 4, userAgent: userAgent),
            onEvent: onEvent, sleep: sleep)
    }

    public func stop() async { await fake.stop() }
}

/// Collects values from concurrent callbacks.
public final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    public init() {}

    public func append(_ value: Value) { storage.withLock { $0.append(value) } }
    public var values: [Value] { storage.withLock { $0 } }
}
