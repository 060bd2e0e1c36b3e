import GitSyncService
import SyncEngine
import Testing

@Suite struct ServiceMetricsTests {
    @Test func clientEventsBecomeCountersByEndpointTemplateAndStatus() {
        let metrics = ServiceMetrics(suspended: false)
        metrics.record(.response(endpoint: "GET /workflows/{id}/definition", status: 200, duration: .milliseconds(3)))
        metrics.record(.response(endpoint: "GET /workflows/{id}/definition", status: 200, duration: .milliseconds(3)))
        metrics.record(.response(endpoint: "PATCH /workflows/{id}", status: 409, duration: .milliseconds(3)))
        metrics.record(.response(endpoint: "GET /workflows", status: nil, duration: .milliseconds(3)))
        metrics.record(.retry(endpoint: "GET /workflows", attempt: 1, wait: .seconds(1), reason: "HTTP 503"))
        metrics.record(.rateLimitWait(duration: .milliseconds(1500)))
        let text = metrics.exposition()
        #expect(text.contains(#"kapso_gitsync_api_requests_total{method="GET",endpoint="/workflows/{id}/definition",status="200"} 2"#))
        #expect(text.contains(#"kapso_gitsync_api_requests_total{method="PATCH",endpoint="/workflows/{id}",status="409"} 1"#))
        #expect(text.contains(#"kapso_gitsync_api_requests_total{method="GET",endpoint="/workflows",status="none"} 1"#))
        #expect(text.contains(#"kapso_gitsync_api_retries_total{method="GET",endpoint="/workflows"} 1"#))
        #expect(text.contains("kapso_gitsync_rate_limit_waits_total 1"))
        #expect(text.contains("kapso_gitsync_rate_limit_wait_seconds_total 1.5"))
        #expect(text.contains(#"kapso_gitsync_cycles_total{result="error"} 0"#))
        #expect(text.contains("# TYPE kapso_gitsync_cycle_duration_seconds histogram"))
    }

    @Test func aRestartKeepsTheLastSuccessAndTheWorkflowGaugesOfTheStatusFile() {
        let metrics = ServiceMetrics(suspended: false)
        #expect(metrics.exposition().contains("kapso_gitsync_last_success_timestamp_seconds 0"))
        metrics.restore(
            from: StatusFile(
                updatedAt: 1_700_000_100, result: "attention", lastSuccessAt: 1_700_000_000,
                workflows: [
                    .init(slug: "a", id: "1", state: "in_sync"), .init(slug: "b", id: "2", state: "conflict", branch: "kapso/conflict/b"),
                    .init(slug: "c", id: "3", state: "error", detail: "HTTP 500"),
                ]))
        let text = metrics.exposition()
        #expect(text.contains("kapso_gitsync_last_success_timestamp_seconds 1700000000"))
        #expect(text.contains("kapso_gitsync_conflicts 1"))
        #expect(text.contains("kapso_gitsync_workflows_in_error 1"))
        #expect(text.contains(#"kapso_gitsync_workflows{state="in_sync"} 1"#))
        #expect(text.contains(#"kapso_gitsync_reachable{service="kapso"} 1"#))
    }
}
