import Foundation
import KapsoFake
import TestSupport
import Testing

/// Outages end, and the service comes back by itself: a real `run` process against the fake Kapso,
/// which a test stops for longer than the old failure budget (10 cycles) and starts again.
@Suite struct OutageTests {
    func setUp() async throws -> EndToEndSetup {
        try await EndToEndSetup.make { url in
            """
            kapso:
              api_url: \(url.absoluteString)
              requests_per_minute: 0
              max_attempts: 1
            repository:
              path: repo.git
            sync:
              interval_seconds: 3600
              retry_seconds: 1
              max_backoff_seconds: 1
              jitter_percent: 0
            status:
              listen: 127.0.0.1:0
            """
        }
    }

    @Test(Fixtures.required) func aKapsoOutageLongerThanTheOldFailureBudgetEndsAndTheServiceRecoversByItself() async throws {
        let setup = try await setUp()
        defer { Task { await setup.fake.stop() } }
        let port = try #require(await setup.fake.baseURL?.port)
        let service = try setup.start()
        let address = try #require(await service.statusAddress(), "\(service.text)")
        try #require(await service.waitForOutput { $0.contains("cycle finished") } != nil, "\(service.text)")
        let synced = try #require(try await Metrics.read(address)["kapso_gitsync_last_success_timestamp_seconds"])
        #expect(synced > 0)

        // Every workflow changes in Kapso, and every read of a definition fails: the cycle completes, but
        // it did not sync what it meant to, so the last success stays where it was.
        for workflow in await setup.fake.workflows {
            await setup.fake.simulateEditorEdit(workflowID: workflow.id) { $0.name += " (edited)" }
        }
        await setup.fake.inject(FakeFaultRule(method: "GET", pathPrefix: "/workflows/", fault: .status(500), count: 10_000))
        #expect(try await StatusProbe.request("POST", address, "/sync").status == 202)
        try #require(await service.waitForOutput { $0.components(separatedBy: "cycle finished").count == 3 } != nil, "\(service.text)")
        var metrics = try await Metrics.read(address)
        #expect(metrics["kapso_gitsync_last_success_timestamp_seconds"] == synced)
        #expect(metrics["kapso_gitsync_workflows_in_error"] == 6)
        #expect(metrics[#"kapso_gitsync_cycles_total{result="attention"}"#] == 1)
        await setup.fake.clearFaults()

        // Kapso goes away for longer than the old budget of 10 failed cycles.
        await setup.fake.stop()
        #expect(try await StatusProbe.request("POST", address, "/sync").status == 202)
        // A connection kept alive may still be answered for a moment while the fake stops, and a cycle
        // may then succeed: the outage is what follows the last "unreachable" line, one outage however
        // many cycles fail.
        let failures = 12
        let unreachable = "Kapso is unreachable; retrying with backoff"
        func failuresSinceOutageStarted() -> Int {
            let text = service.text
            guard let start = text.range(of: unreachable, options: .backwards) else { return 0 }
            return text[start.lowerBound...].components(separatedBy: "cycle failed").count - 1
        }
        try #require(await service.waitForOutput { _ in failuresSinceOutageStarted() >= 2 } != nil, "\(service.text)")
        let lastSuccess = try #require(try await Metrics.read(address)["kapso_gitsync_last_success_timestamp_seconds"])
        try #require(
            await service.waitForOutput(timeout: 120) { _ in failuresSinceOutageStarted() > failures } != nil, "\(service.text)")
        let outage = String(service.text[service.text.range(of: unreachable, options: .backwards)!.lowerBound...])
        #expect(!outage.contains("reachable again"), "logged once, however long it lasts: \(outage)")
        let unready = try await StatusProbe.request("GET", address, "/readyz")
        #expect(unready.status == 503)
        #expect(unready.body.contains("Kapso unreachable since"), "\(unready.body)")
        metrics = try await Metrics.read(address)
        #expect(metrics[#"kapso_gitsync_reachable{service="kapso"}"#] == 0)
        #expect(metrics[#"kapso_gitsync_reachable{service="git_server"}"#] == 1)
        #expect((metrics["kapso_gitsync_consecutive_failures"] ?? 0) >= Double(failures))
        #expect(metrics["kapso_gitsync_last_success_timestamp_seconds"] == lastSuccess, "the staleness alert fires")

        // Kapso comes back on the same address: the next retry succeeds without anyone touching the service.
        _ = try await setup.fake.start(port: UInt16(port))
        try #require(
            await service.waitForOutput { text in
                guard let outage = text.range(of: unreachable, options: .backwards),
                    let back = text[outage.upperBound...].range(of: "reachable again")
                else { return false }
                return text[back.upperBound...].contains("cycle finished")
            } != nil, "\(service.text)")
        #expect(try await StatusProbe.request("GET", address, "/readyz").status == 200)
        metrics = try await Metrics.read(address)
        #expect(metrics[#"kapso_gitsync_reachable{service="kapso"}"#] == 1)
        #expect(metrics["kapso_gitsync_consecutive_failures"] == 0)
        #expect(metrics["kapso_gitsync_workflows_in_error"] == 0)
        #expect((metrics["kapso_gitsync_last_success_timestamp_seconds"] ?? 0) > lastSuccess, "the staleness alert clears")
        for workflow in await setup.fake.workflows {
            let file = try await runGit(["--git-dir", setup.repository, "show", "main:workflows/\(workflow.slug)/workflow.yaml"])
            #expect(file.output.contains("(edited)"), "the edit made before the outage is pulled: \(file.output)")
        }

        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0, "\(service.text)")
        #expect(!service.text.contains(setup.apiKey))
    }
}

/// The samples of a Prometheus exposition, by name with labels.
enum Metrics {
    static func read(_ address: String) async throws -> [String: Double] {
        let text = try await StatusProbe.request("GET", address, "/metrics").body
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
