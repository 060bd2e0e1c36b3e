import CanonicalJSON
import Crypto
import Foundation
import KapsoFake
import TestSupport
import Testing

/// `kapso-gitsync run` as systemd runs it: a real process, the fake Kapso over loopback HTTP, the
/// status server on a free port, `NOTIFY_SOCKET` on a datagram socket the test owns.
@Suite struct ServiceTests {
    typealias Setup = EndToEndSetup

    func setUp() async throws -> Setup {
        try await EndToEndSetup.make { url in
            """
            kapso:
              api_url: \(url.absoluteString)
              requests_per_minute: 0
              timeout_seconds: 120
            repository:
              path: repo.git
            sync:
              interval_seconds: 3600
              retry_seconds: 1
            status:
              listen: 127.0.0.1:0
            """
        }
    }

    static let firstCycleDone = "cycle finished"

    @Test(Fixtures.required) func readinessMetricsAndStatusTellTheTruthAboutEveryCycle() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try setup.start()
        let address = try #require(await service.statusAddress(), "\(service.text)")
        #expect(try await StatusProbe.request("GET", address, "/healthz").status == 200)
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")

        let ready = try await StatusProbe.request("GET", address, "/readyz")
        #expect(ready.status == 200)
        #expect(ready.body == "ready\n")
        let metrics = try await StatusProbe.request("GET", address, "/metrics").body
        #expect(metrics.contains(#"kapso_gitsync_cycles_total{result="success"} 1"#))
        #expect(metrics.contains(#"kapso_gitsync_workflows{state="in_sync"} 6.0"#))
        #expect(metrics.contains("kapso_gitsync_pulls_total 6"))
        #expect(metrics.contains("kapso_gitsync_commits_total 1"))
        #expect(metrics.contains(#"kapso_gitsync_api_requests_total{method="GET",endpoint="/workflows/{id}/definition",status="200"} 6"#))
        #expect(metrics.contains("kapso_gitsync_last_success_timestamp_seconds 1"))
        #expect(metrics.contains("kapso_gitsync_cycle_duration_seconds_count 1"))

        let status = try JSONParser.parse(try await StatusProbe.request("GET", address, "/status").body)
        #expect(status["service"]?["ready"] == .bool(true))
        #expect(status["service"]?["pid"]?.numberValue?.description == String(service.pid))
        #expect(status["status"]?["result"]?.stringValue == "success")
        #expect(status["status"]?["workflows"]?.arrayValue?.count == 6)

        // The CLI asks the running service first.
        let table = try await ProcessRunner.run(
            "kapso-gitsync", ["status", "--config", setup.configPath, "--set", "status.listen=\(address)"])
        #expect(table.status == 0, "\(table.combined)")
        #expect(table.standardOutput.hasPrefix("service: running (pid \(service.pid)); ready; next cycle at "), "\(table.standardOutput)")
        #expect(table.standardOutput.contains("medicopay "))

        #expect(try await StatusProbe.request("GET", address, "/nothing").status == 404)
        #expect(try await StatusProbe.request("DELETE", address, "/status").status == 405)
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        #expect(!service.text.contains(setup.apiKey))
    }

    @Test(Fixtures.required) func sighupAndPostSyncRunACycleAtOnce() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try setup.start()
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let address = try #require(await service.statusAddress())

        let target = try #require(await setup.fake.workflow(slug: "medicopay"))
        await setup.fake.simulateEditorEdit(workflowID: target.id) { $0.name = "Medicopay (edited in Kapso)" }
        service.signal(SIGHUP)
        let afterHangUp = await service.waitForOutput {
            $0.contains("cycle starting gitsync.trigger=SIGHUP") && $0.components(separatedBy: Self.firstCycleDone).count == 3
        }
        #expect(afterHangUp != nil, "\(service.text)")
        let log = try await runGit(["--git-dir", setup.repository, "log", "--format=%s"])
        #expect(log.output.split(separator: "\n").count == 2, "\(log.output)")

        let accepted = try await StatusProbe.request("POST", address, "/sync")
        #expect(accepted.status == 202)
        #expect(await service.waitForOutput { $0.contains("cycle starting gitsync.trigger=\"POST /sync\"") } != nil, "\(service.text)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
    }

    @Test(Fixtures.required) func aSignedGitHubPushTriggersACycleAndABadSignatureDoesNot() async throws {
        let secret = "webhook-secret-\(UUID().uuidString)"
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let credentials = try setup.credentialsDirectory(githubWebhookSecret: secret)
        let service = try setup.start(environment: ["CREDENTIALS_DIRECTORY": credentials])
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let address = try #require(await service.statusAddress())

        let cyclesBefore = service.count(of: "cycle starting")
        let marker = "body-marker-\(UUID().uuidString)"
        let forged = Data(#"{"ref":"refs/heads/main","marker":"\#(marker)"}"#.utf8)
        let refused = try await StatusProbe.request(
            "POST", address, "/webhooks/github", body: forged,
            headers: ["X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + String(repeating: "0", count: 64)])
        #expect(refused.status == 401)
        #expect(await service.waitForOutput { $0.contains("webhook refused") } != nil)
        #expect(!service.text.contains(marker), "an unauthenticated body is never logged")
        #expect(service.count(of: "cycle starting") == cyclesBefore)

        let body = Data(#"{"ref":"refs/heads/main","after":"0123"}"#.utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        let accepted = try await StatusProbe.request(
            "POST", address, "/webhooks/github", body: body,
            headers: ["X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=\(signature)", "X-GitHub-Delivery": "delivery-1"])
        #expect(accepted.status == 202, "\(accepted.body)")
        #expect(
            await service.waitForOutput { $0.contains("cycle starting gitsync.trigger=\"github webhook: push to main\"") } != nil,
            "\(service.text)")
        #expect(try await StatusProbe.request("POST", address, "/webhooks/gitlab", body: body).status == 404, "no GitLab token: off")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        #expect(!service.text.contains(secret))
    }

    /// `webhooks.listen`: a proxy can expose the webhooks without `/status` and `POST /sync`; a body past
    /// the limit is refused before it is read whole.
    @Test(Fixtures.required) func webhooksOnTheirOwnListenerServeNothingElseAndRefuseHugeBodiesEarly() async throws {
        let secret = "webhook-secret-\(UUID().uuidString)"
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let credentials = try setup.credentialsDirectory(githubWebhookSecret: secret)
        let service = try setup.start(["--set", "webhooks.listen=127.0.0.1:0"], environment: ["CREDENTIALS_DIRECTORY": credentials])
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let status = try #require(await service.statusAddress())
        let marker = "webhook server listening gitsync.address="
        let hooks = try #require(
            service.text.components(separatedBy: marker).dropFirst().first?.split(whereSeparator: { $0 == "\n" || $0 == " " }).first
                .map(String.init), "\(service.text)")

        for (method, path) in [("GET", "/status"), ("POST", "/sync"), ("GET", "/metrics"), ("GET", "/readyz")] {
            #expect(try await StatusProbe.request(method, hooks, path).status == 404, "\(method) \(path) on the webhook listener")
        }
        #expect(try await StatusProbe.request("POST", status, "/webhooks/github", body: Data("{}".utf8)).status == 404)
        #expect(try await StatusProbe.request("GET", status, "/readyz").status == 200)

        let body = Data(#"{"ref":"refs/heads/main","after":"0123"}"#.utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        let accepted = try await StatusProbe.request(
            "POST", hooks, "/webhooks/github", body: body,
            headers: ["X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=\(signature)"])
        #expect(accepted.status == 202, "\(accepted.body)")
        #expect(await service.waitForOutput { $0.contains("cycle starting gitsync.trigger=\"github webhook: push to main\"") } != nil)

        // A declared length past the limit: answered at once, though not one byte of the body was sent.
        let limit = 25 * 1024 * 1024
        let declared = try RawHTTP.exchange(
            hooks, head: "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\nContent-Length: \(limit + 1)")
        #expect(declared == "HTTP/1.1 413 Payload Too Large", "\(declared)")
        // A chunked body is read only until it passes the limit.
        let chunk = Data(count: 1024 * 1024)
        let chunkFrame = Data("100000\r\n".utf8) + chunk + Data("\r\n".utf8)
        let chunked = try RawHTTP.exchange(
            hooks, head: "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: push\r\nTransfer-Encoding: chunked",
            body: Array(repeating: chunkFrame, count: 27))
        #expect(chunked == "HTTP/1.1 413 Payload Too Large", "\(chunked)")
        #expect(
            await service.waitForOutput { $0.components(separatedBy: "webhook refused: body larger than").count == 3 } != nil,
            "\(service.text)")

        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        #expect(!service.text.contains(secret))
    }

    @Test(Fixtures.required) func sigtermDuringASlowCycleStopsBeforeAnyWriteAndExitsZero() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        // Reads whose answers never come until the test is over: the stop must cancel them, not wait.
        let gate = FakeGate()
        defer { gate.open() }
        await setup.fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows/", fault: .hold(gate), count: 100))
        let service = try setup.start()
        await gate.reached()
        service.signal(SIGTERM)
        #expect(await service.waitForExit(timeout: 60) == 0, "\(service.text)")
        #expect(service.text.contains("cycle stopped before writing anything"), "\(service.text)")
        #expect(!FileManager.default.fileExists(atPath: setup.repository + "/refs/heads/main"))
        let log = try await runGit(["--git-dir", setup.repository, "rev-parse", "--verify", "-q", "refs/heads/main"])
        #expect(log.status != 0, "nothing half-written: no branch")
        #expect(!FileManager.default.fileExists(atPath: setup.repository + ".state/sync-state.json"))
    }

    @Test(Fixtures.required) func theNotifySocketHearsReadyStatusWatchdogAndStopping() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let socket = try NotifySocket(path: setup.directory.path + "/notify.sock")
        let service = try setup.start(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        let untilStatus = await socket.collect(timeout: 60) { $0.hasPrefix("STATUS=last cycle success") }
        // Watchdog pings may come first: the pinger starts with the group, READY=1 once the loop runs.
        let readyIndex = untilStatus.firstIndex { $0.hasPrefix("READY=1\nSTATUS=started") }
        #expect(readyIndex != nil && readyIndex! < untilStatus.count - 1, "\(untilStatus)")
        #expect(untilStatus.last?.contains("6 workflows, 6 pulled (done)") == true, "\(untilStatus)")
        let pings = await socket.collect(timeout: 5) { _ in false }
        #expect(pings.filter { $0 == "WATCHDOG=1" }.count >= 3, "every 200 ms: \(pings)")
        service.signal(SIGTERM)
        let end = await socket.collect(timeout: 30) { $0.hasPrefix("STOPPING=1") }
        #expect(end.last?.hasPrefix("STOPPING=1") == true, "\(end)")
        #expect(await service.waitForExit() == 0)
    }

    @Test(Fixtures.required) func aSpentFailureBudgetExitsNonZeroWithoutLeakingTheKey() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let wrongKey = "wrong-key-\(UUID().uuidString)"
        let service = try setup.start(["--set", "sync.max_consecutive_failures=3"], environment: ["KAPSO_API_KEY": wrongKey])
        let address = try #require(await service.statusAddress())
        let notReady = try await StatusProbe.request("GET", address, "/readyz")
        #expect(notReady.status == 503)
        #expect(await service.waitForExit(timeout: 60) == 1, "\(service.text)")
        #expect(service.count(of: "cycle failed") == 3, "\(service.text)")
        #expect(service.text.contains("3 cycles failed in a row (sync.max_consecutive_failures)"))
        #expect(service.text.contains("GET /workflows: HTTP 401"))
        #expect(!service.text.contains(wrongKey))
        #expect(!service.text.contains(setup.apiKey))
    }

    @Test(Fixtures.required) func suspendedTheServicePlansAndReportsButWritesNothing() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try setup.start(environment: ["KAPSO_GITSYNC_SYNC_SUSPEND": "true"])
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let address = try #require(await service.statusAddress())
        let status = try JSONParser.parse(try await StatusProbe.request("GET", address, "/status").body)
        #expect(status["service"]?["suspended"] == .bool(true))
        #expect(status["status"]?["result"]?.stringValue == "suspended")
        let states = status["status"]?["workflows"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
        #expect(states == Array(repeating: "pending_pull", count: 6), "\(String(describing: states))")
        let metrics = try await StatusProbe.request("GET", address, "/metrics").body
        #expect(metrics.contains("kapso_gitsync_suspended 1.0"))
        #expect(metrics.contains(#"kapso_gitsync_workflows{state="pending_pull"} 6.0"#))
        let branch = try await runGit(["--git-dir", setup.repository, "rev-parse", "--verify", "-q", "refs/heads/main"])
        #expect(branch.status != 0, "suspended: nothing committed")
        service.signal(SIGINT)
        #expect(await service.waitForExit() == 0)
    }

    @Test(Fixtures.required) func aPortInUseIsAClearStartUpError() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let first = try setup.start()
        let address = try #require(await first.statusAddress())
        let second = try setup.start(["--set", "status.listen=\(address)"])
        #expect(await second.waitForExit() == 1)
        #expect(second.text.contains("status.listen \(address): cannot listen"), "\(second.text)")
        first.signal(SIGTERM)
        #expect(await first.waitForExit() == 0)
    }

    @Test(Fixtures.required) func sigtermWhileACycleWritesLetsItFinishThenExitsZero() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try setup.start()
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let address = try #require(await service.statusAddress())

        // A person renames a workflow in git; its PATCH will be slow.
        let checkout = setup.directory.path + "/person"
        #expect(try await runGit(["clone", "-q", setup.repository, checkout]).status == 0)
        let file = checkout + "/workflows/medicopay/workflow.yaml"
        let yaml = try String(contentsOfFile: file, encoding: .utf8)
        let renamed = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("name: ") ? "name: Renamed in git" : String($0) }.joined(separator: "\n")
        try renamed.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await runGit(["commit", "-q", "-am", "Rename medicopay"], in: checkout).status == 0)
        #expect(try await runGit(["push", "-q", "origin", "HEAD:main"], in: checkout).status == 0)
        // The PATCH is carried out and its answer held: the cycle is writing when SIGTERM comes.
        let gate = FakeGate()
        defer { gate.open() }
        await setup.fake.inject(FakeFaultRule(method: "PATCH", fault: .hold(gate), count: 1))

        #expect(try await StatusProbe.request("POST", address, "/sync").status == 202)
        await gate.reached()
        service.signal(SIGTERM)
        try #require(await service.waitForOutput { $0.contains("stopping after the running cycle") } != nil, "\(service.text)")
        gate.open()
        #expect(await service.waitForExit(timeout: 60) == 0, "\(service.text)")
        #expect(service.text.contains("pushed medicopay"), "the cycle ran to its end: \(service.text)")
        #expect(await setup.fake.workflow(slug: "medicopay")?.name == "Renamed in git")
        let log = try await runGit(["--git-dir", setup.repository, "log", "-1", "--format=%B"])
        #expect(log.output.contains("Kapso-Pushed: medicopay"), "the push is recorded in git: \(log.output)")
    }

    @Test(Fixtures.required) func manyRequestsDuringACycleMakeExactlyOneMoreCycle() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try setup.start()
        try #require(await service.waitForOutput { $0.contains(Self.firstCycleDone) } != nil, "\(service.text)")
        let address = try #require(await service.statusAddress())
        let gate = FakeGate()
        defer { gate.open() }
        await setup.fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows", fault: .hold(gate), count: 1))
        service.signal(SIGHUP)
        await gate.reached()
        let requestsBefore = service.count(of: "cycle requested")
        for _ in 0..<3 { service.signal(SIGHUP) }
        for _ in 0..<3 { #expect(try await StatusProbe.request("POST", address, "/sync").status == 202) }
        // The kernel may merge signals that arrive together: at least one of the three SIGHUPs and the
        // three POSTs are heard while the cycle still waits for its list.
        try #require(
            await service.waitForOutput { _ in service.count(of: "cycle requested") - requestsBefore >= 4 } != nil, "\(service.text)")
        gate.open()
        let coalesced = await service.waitForOutput {
            $0.range(of: #"\(and [3-5] more requests\)"#, options: .regularExpression) != nil
                && $0.components(separatedBy: Self.firstCycleDone).count == 4
        }
        #expect(coalesced != nil, "\(service.text)")
        // A marker: one more request after the coalesced cycle ended. The loop runs one cycle at a time,
        // so any cycle left over from the six requests would start before it or be coalesced into it.
        #expect(try await StatusProbe.request("POST", address, "/sync").status == 202)
        let marker = await service.waitForOutput { $0.components(separatedBy: "cycle starting").count == 5 }
        #expect(marker != nil, "\(service.text)")
        #expect(
            service.text.components(separatedBy: "cycle starting").last?.hasPrefix(#" gitsync.trigger="POST /sync"\#n"#) == true,
            "start-up, the SIGHUP, one for the six requests, and the marker alone: \(service.text)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
    }

    @Test(Fixtures.required) func underJournaldLinesCarryTheirPriority() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let service = try ServiceProcess(
            arguments: [
                "--config", setup.configPath, "--set", "kapso.api_url=http://127.0.0.1:1/platform/v1", "--set",
                "sync.max_consecutive_failures=0",
            ],
            environment: setup.environment, journalStream: true)
        #expect(await service.waitForOutput { $0.contains("<3>cycle failed") } != nil, "\(service.text)")
        #expect(service.text.contains("<5>status server listening gitsync.address="), "\(service.text)")
        #expect(service.text.contains("<6>cycle starting gitsync.trigger=start-up"))
        service.signal(SIGTERM)
        let status = await service.waitForExit()
        #expect(status == 0, "exit \(String(describing: status)): \(service.text)")
    }
}

extension EndToEndSetup {
    /// A systemd-style credentials folder holding the GitHub webhook secret, as `LoadCredential=` makes one.
    func credentialsDirectory(githubWebhookSecret secret: String) throws -> String {
        let credentials = directory.path + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Data(secret.utf8).write(to: URL(fileURLWithPath: credentials + "/github-webhook-secret"))
        return credentials
    }

    func start(_ extraArguments: [String] = [], environment extra: [String: String] = [:]) throws -> ServiceProcess {
        try ServiceProcess(arguments: ["--config", configPath] + extraArguments, environment: environment.merging(extra) { _, new in new })
    }
}
