import CanonicalJSON
import Foundation
import KapsoAPI
import KapsoFake
import KapsoModels
import TestSupport
import Testing

@Suite struct KapsoClientTests {
    @Test func readsListDefinitionTriggersAndFunctions() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 3, nodesPerWorkflow: 5) }
        defer { Task { await server.stop() } }
        let client = server.client()
        let list = try await client.listWorkflows()
        #expect(list.workflows.count == 3)
        #expect(list.invalid.isEmpty)
        let first = try #require(list.workflows.first)
        let definition = try await client.workflowDefinition(id: first.id)
        #expect(definition.nodes.count == 5)
        #expect(definition.edges.count == 4)
        let triggers = try await client.triggers(workflowID: first.id)
        #expect(triggers.first?.triggerType == "inbound_message")
        #expect(try await client.listFunctions().functions.count == 5)
        #expect(client.requestsSent == 4)
    }

    /// Every request names its client; a CDN's block of an unknown client is named as such, not as a
    /// refused key.
    @Test func everyRequestSaysWhoItIsAndACDNBlockIsNamed() async throws {
        let server = try await FakeServer.start(blockClientsWithoutUserAgent: true) {
            await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2)
        }
        defer { Task { await server.stop() } }
        #expect(try await server.client(userAgent: "kapso-gitsync/9.9.9").listWorkflows().workflows.count == 1)
        #expect(await server.fake.userAgents == ["kapso-gitsync/9.9.9"])
        await #expect {
            try await server.client(userAgent: "").listWorkflows()
        } throws: { error in
            (error as? KapsoAPIError)?.status == 403
                && "\(error)".contains("HTTP 403: error code: 1010: a CDN in front of Kapso refused this client")
        }
    }

    /// The API key never follows a redirect: the 302 is the answer, and the other host hears nothing.
    @Test func aRedirectIsNotFollowedAndTheKeyStaysHome() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let elsewhere = try await FakeServer.start { _ in }
        defer { Task { await elsewhere.stop() } }
        let port = try #require(elsewhere.url.port)
        await server.fake.inject(
            FakeFaultRule(pathPrefix: "/workflows", fault: .redirect(to: "http://localhost:\(port)/platform/v1/workflows"), count: 10))
        await #expect {
            try await server.client().listWorkflows()
        } throws: { error in
            (error as? KapsoAPIError)?.status == 302 && !"\(error)".contains(FakeServer.apiKey)
        }
        #expect(await elsewhere.fake.requests().isEmpty)
    }

    @Test func aWrongKeyIsA401ThatNamesTheEndpointAndNotTheKey() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let wrongKey = "wrong-\(UUID().uuidString)"
        do {
            _ = try await server.client(key: wrongKey).listWorkflows()
            Issue.record("expected 401")
        } catch {
            #expect(error.status == 401)
            #expect(error.description.contains("GET /workflows"))
            #expect(!error.description.contains(wrongKey))
            #expect(!error.description.contains(FakeServer.apiKey))
        }
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2) }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows", fault: .status(503), count: 2))
        let retries = Recorder<String>()
        let client = server.client(onEvent: { if case .retry(_, _, _, let reason) = $0 { retries.append(reason) } })
        #expect(try await client.listWorkflows().workflows.count == 1)
        #expect(retries.values == ["HTTP 503", "HTTP 503"])
        #expect(client.requestsSent == 3)
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastStatus() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(fault: .status(500), count: 10))
        let client = server.client()
        do {
            _ = try await client.listFunctions()
            Issue.record("expected failure")
        } catch {
            #expect(error == .http(status: 500, endpoint: "GET /functions", message: "Injected failure"))
        }
        #expect(client.requestsSent == 4)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let client = server.client()
        await #expect(throws: KapsoAPIError.http(status: 404, endpoint: "GET /workflows/nope/definition", message: "Workflow not found")) {
            try await client.workflowDefinition(id: "nope")
        }
        #expect(client.requestsSent == 1)
    }

    @Test func honoursRetryAfterOn429() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(fault: .status(429, retryAfterSeconds: 7)))
        let waits = Recorder<Duration>()
        let client = server.client(sleep: { waits.append($0) })
        _ = try await client.listWorkflows()
        #expect(waits.values == [.seconds(7)])
    }

    @Test func aRetryAfterLongerThanTheCapFailsInsteadOfStalling() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(fault: .status(429, retryAfterSeconds: 3600)))
        await #expect(throws: KapsoAPIError.self) { try await server.client().listWorkflows() }
    }

    @Test func aServerSideRateLimitIsRidOutWithRetryAfter() async throws {
        let server = try await FakeServer.start(requestsPerMinute: 2, retryAfterSeconds: 0) { _ in }
        defer { Task { await server.stop() } }
        let waits = Recorder<Duration>()
        let client = server.client(retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1)), sleep: { waits.append($0) })
        _ = try await client.listWorkflows()
        _ = try await client.listWorkflows()
        await #expect(
            throws: KapsoAPIError.http(
                status: 429, endpoint: "GET /workflows", message: "Rate limit exceeded (Too many requests. Try again later.)")
        ) {
            try await client.listWorkflows()
        }
        #expect(waits.values == [.zero, .zero])
    }

    @Test func connectionResetsAndTruncatedBodiesAreRetried() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(pathPrefix: "/workflows", fault: .connectionReset))
        await server.fake.inject(FakeFaultRule(pathPrefix: "/workflows", fault: .truncatedBody))
        let retries = Recorder<String>()
        let client = server.client(onEvent: { if case .retry(_, _, _, let reason) = $0 { retries.append(reason) } })
        #expect(try await client.listWorkflows().workflows.count == 2)
        #expect(retries.values.count == 2)
    }

    @Test func aSlowAnswerTimesOutAndIsRetried() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        await server.fake.inject(FakeFaultRule(fault: .delay(.seconds(5))))
        let retries = Recorder<String>()
        let client = server.client(timeout: .seconds(2), onEvent: { if case .retry(_, _, _, let reason) = $0 { retries.append(reason) } })
        _ = try await client.listWorkflows()
        // On a loaded machine a later attempt may time out too; the first one must.
        #expect(retries.values.first == "timed out")
        #expect(retries.values.allSatisfy { $0 == "timed out" })
    }

    /// A deadline that ends with the answer's headers would leave a cycle waiting for the rest forever.
    @Test(.timeLimit(.minutes(1))) func anAnswerWhoseBodyStallsTimesOutAndIsRetried() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 2, nodesPerWorkflow: 3) }
        let stall = FakeGate()
        defer {
            stall.open()
            Task { await server.stop() }
        }
        await server.fake.inject(FakeFaultRule(pathPrefix: "/workflows", fault: .stalledBody(stall)))
        let retries = Recorder<String>()
        let client = server.client(timeout: .seconds(2), onEvent: { if case .retry(_, _, _, let reason) = $0 { retries.append(reason) } })
        #expect(try await client.listWorkflows().workflows.count == 2)
        #expect(stall.arrivals == 1)
        #expect(retries.values == ["timed out"])
    }

    @Test func anAnswerLargerThanTheLimitIsRefusedNotHeld() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 20, nodesPerWorkflow: 3) }
        defer { Task { await server.stop() } }
        let client = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: server.url, apiKey: APIKey(FakeServer.apiKey), requestTimeout: .seconds(60),
                retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1), maxDelay: .milliseconds(1)), requestsPerMinute: 0,
                concurrency: 1, userAgent: "kapso-gitsync-tests"),
            transport: AsyncHTTPClientTransport(maximumBodyBytes: 1024))
        await #expect {
            _ = try await client.listWorkflows()
        } throws: { error in
            "\(error)".contains("answer larger than 1024 bytes")
        }
        #expect(try await server.client().listWorkflows().workflows.count == 20)
    }

    @Test func aMalformedBodyIsAnErrorNamingTheEndpoint() async throws {
        let server = try await FakeServer.start { await $0.seedGenerated(workflows: 1, nodesPerWorkflow: 2) }
        defer { Task { await server.stop() } }
        let id = try #require(await server.fake.workflows.first?.id)
        await server.fake.inject(FakeFaultRule(pathPrefix: "/workflows/\(id)/definition", fault: .replaceBody(#"{"data": {"id": 5}}"#)))
        do {
            _ = try await server.client().workflowDefinition(id: id)
            Issue.record("expected a malformed-response error")
        } catch {
            guard case .malformedResponse(let endpoint, let detail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(endpoint == "GET /workflows/\(id)/definition")
            #expect(detail.contains("id"))
        }
    }

    @Test func unreadableListEntriesAreReportedNotFatal() async throws {
        let server = try await FakeServer.start { _ in }
        defer { Task { await server.stop() } }
        let body =
            #"{"data": [{"id": "a", "name": "Good", "slug": "good", "status": "active", "lock_version": 1}, {"id": "b", "name": "No slug", "status": "draft"}, 7]}"#
        await server.fake.inject(FakeFaultRule(pathPrefix: "/workflows", fault: .replaceBody(body)))
        let list = try await server.client().listWorkflows()
        #expect(list.workflows.map(\.slug) == ["good"])
        #expect(list.invalid.map(\.reference) == ["\"No slug\"", "entry 2"])
    }

    @Test func cannotConnectIsATransportError() async throws {
        let client = KapsoClient(
            configuration: KapsoClientConfiguration(
                baseURL: URL(string: "http://127.0.0.1:9/platform/v1")!, apiKey: APIKey("k"), requestTimeout: .seconds(2),
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1))))
        do {
            _ = try await client.listWorkflows()
            Issue.record("expected failure")
        } catch {
            guard case .transport(let endpoint, _, let attempts) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(endpoint == "GET /workflows")
            #expect(attempts == 2)
        }
    }

    @Test func theKeyIsSentAsAHeaderAndNeverPrinted() {
        let key = APIKey("  secret-value-123  \n")
        #expect("\(key)" == "[redacted]")
        #expect(String(reflecting: key) == "[redacted]")
        #expect(key.redact("echo secret-value-123 back") == "echo [redacted] back")
    }
}
