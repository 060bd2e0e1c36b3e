import CanonicalJSON
import Foundation
import GitStore
import KapsoAPI
import KapsoFake
import KapsoModels
import Logging
import SyncEngine
import Synchronization
import TestSupport

/// A fake Kapso on 127.0.0.1, a bare repository in a temp dir, and an engine between them.
final class SyncHarness: Sendable {
    static let apiKey = "harness-key-\(UUID().uuidString)"
    let directory: TemporaryDirectory
    let fake: KapsoFake
    let git: GitStore
    let engine: SyncEngine
    var repositoryPath: String { git.path }
    /// With `withServer`: a bare repository reached by path that the engine fetches from and pushes to,
    /// and that people push to (the engine's own repository is then a cache of it).
    let server: String?
    /// With `serverOverHTTP`: `git http-backend` serving `server`, which the engine then reaches over
    /// HTTP (people still push to it by path).
    let http: GitHTTPServer?
    /// A Platform API client, for tests that act on Kapso as a person would (the engine's may be the legacy one).
    let client: KapsoClient

    init(
        fullResyncIntervalSeconds: Int = 3600, fakeOptions: KapsoFake.Options = .init(apiKey: SyncHarness.apiKey),
        withServer: Bool = false, serverOverHTTP: Bool = false, api: TestAPI = .platform,
        configure: (inout SyncConfiguration) -> Void = { _ in }, seed: (KapsoFake) async throws -> Void
    ) async throws {
        directory = try TemporaryDirectory()
        let server = withServer || serverOverHTTP ? directory.path + "/server.git" : nil
        self.server = server
        if let server {
            let created = try await runGit(["init", "-q", "--bare", "-b", "main", server])
            guard created.status == 0 else { throw HarnessError(description: created.output) }
        }
        let token = "http-token-\(UUID().uuidString)"
        http = serverOverHTTP ? try await GitHTTPServer(root: directory.path, token: token, directory: directory) : nil
        let access: RemoteAccess? =
            if let http { RemoteAccess(url: http.baseURL + "/server.git", httpsToken: token) } else { server.map { RemoteAccess(url: $0) } }
        fake = KapsoFake(options: fakeOptions)
        try await seed(fake)
        let url = try await fake.start()
        func clientConfiguration(_ url: URL) -> KapsoClientConfiguration {
            KapsoClientConfiguration(
                baseURL: url, apiKey: APIKey(Self.apiKey), requestTimeout: .seconds(60),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)), requestsPerMinute: 0,
                concurrency: 4)
        }
        client = KapsoClient(configuration: clientConfiguration(url))
        let backend = await api.backend(fake: fake, configuration: clientConfiguration)
        git = try GitStore(path: directory.path + "/repo.git")
        var configuration = SyncConfiguration(
            branch: "main", author: Signature(name: "kapso-gitsync", email: "bot@example.invalid"),
            stateDirectory: directory.path + "/state", fullResyncIntervalSeconds: fullResyncIntervalSeconds,
            remote: access.map { access in RemoteSync { access } })
        configure(&configuration)
        engine = SyncEngine(
            client: backend, git: git,
            configuration: configuration,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func stop() async { await fake.stop() }

    /// A new engine on the same repository, state directory and fake, as after a restart; it stops
    /// (throws) at `crashPoint` once when one is given.
    func restartedEngine(
        crashingAt crashPoint: SyncEngine.CrashPoint? = nil, fullResyncIntervalSeconds: Int? = nil, autoMerge: Bool? = nil,
        configure: (inout SyncConfiguration) -> Void = { _ in }
    ) throws -> SyncEngine {
        var configuration = engine.configuration
        configure(&configuration)
        if let fullResyncIntervalSeconds { configuration.fullResyncIntervalSeconds = fullResyncIntervalSeconds }
        if let autoMerge { configuration.autoMerge = autoMerge }
        var seam: (@Sendable (SyncEngine.CrashPoint) throws(SyncError) -> Void)?
        if let crashPoint {
            let crash = CrashOnce(at: crashPoint)
            seam = { point throws(SyncError) in try crash.reached(point) }
        }
        return SyncEngine(
            client: engine.client, git: try GitStore(path: repositoryPath, createIfMissing: false), configuration: configuration,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), crashSeam: seam)
    }

    func git(_ arguments: String...) async throws -> String {
        let result = try await runGit(["--git-dir", repositoryPath] + arguments)
        guard result.status == 0 else { throw HarnessError(description: "git \(arguments.joined(separator: " ")): \(result.output)") }
        return result.output
    }

    /// A file on a branch, read in-process (tests read many, and a `git show` each costs a process).
    /// `store`: another repository than the engine's (the server people see).
    func file(_ path: String, at branch: String = "main", in store: GitStore? = nil) async throws -> [UInt8] {
        let repository = store ?? git
        guard let commit = try await repository.resolve(reference: "refs/heads/\(branch)"),
            let bytes = try await repository.readFile(atPath: path, inTree: try await repository.tree(ofCommit: commit))
        else { throw HarnessError(description: "no \(path) on \(branch)") }
        return bytes
    }

    func commitCount() async throws -> Int {
        Int(try await git("rev-list", "--count", "main").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    struct HarnessError: Error, CustomStringConvertible { let description: String }
}

extension SyncHarness {
    /// What a person does: bring their clone up to date, change files, commit, push to the repository
    /// the service syncs. One clone per harness, kept between edits, as a person's would be.
    func personCommits(_ message: String, _ edit: (URL) throws -> Void) async throws {
        let checkout = try await personCheckout()
        try edit(checkout)
        try check(
            await runGit(
                commands: [["add", "-A"], ["commit", "-q", "-m", message], ["push", "-q", "origin", "HEAD:main"]], in: checkout.path))
    }

    /// The person's clone (of the server, when there is one), at its current main.
    func personCheckout() async throws -> URL {
        let checkout = directory.url.appendingPathComponent("person")
        if FileManager.default.fileExists(atPath: checkout.path) {
            try check(await runGit(commands: [["fetch", "-q", "origin"], ["reset", "-q", "--hard", "origin/main"]], in: checkout.path))
        } else {
            try check(await runGit(["clone", "-q", server ?? repositoryPath, checkout.path]))
        }
        return checkout
    }

    /// A person rewords the first send_text node of `slug` in git; returns the workflow as Kapso had it
    /// before and the node's id.
    func personRewords(_ slug: String, to message: String) async throws -> (before: FakeWorkflow, node: String) {
        guard let before = await fake.workflow(slug: slug),
            let node = before.nodes.first(where: { $0["data"]?["node_type"]?.stringValue == "send_text" })?["id"]?.stringValue
        else { throw HarnessError(description: "\(slug) has no send_text node") }
        try await personCommits("Reword \(slug)") { checkout in
            try editJSON(checkout.appendingPathComponent("workflows/\(slug)/definition.json")) { $0.setMessage(node: node, to: message) }
        }
        return (before, node)
    }

    /// Merges a branch of the synced repository into main the way a pull request would, resolving
    /// conflicts with `resolve` (given the checkout), then pushes.
    /// The default `strategy` has no rename detection (which git 2.39's default strategy, ort, does not
    /// let one turn off): a folder removed in main and a similar one created there would take the
    /// branch's edits of the removed one, a conflict in a workflow the branch is not about.
    func personMerges(
        _ branch: String, strategy: [String] = ["-s", "recursive", "-X", "no-renames"], resolve: (URL) throws -> Void
    ) async throws {
        let checkout = try await personCheckout()
        _ = try await runGit(["merge", "--no-ff", "--no-commit", "-q"] + strategy + ["origin/\(branch)"], in: checkout.path)
        try resolve(checkout)
        // A person does not commit conflict markers: a conflict left in another file is the test's failure.
        let unmerged = try await runGit(["diff", "--name-only", "--diff-filter=U"], in: checkout.path).output
        for path in unmerged.split(separator: "\n") {
            let text = (try? String(contentsOf: checkout.appendingPathComponent(String(path)), encoding: .utf8)) ?? ""
            if text.contains("<<<<<<< ") {
                let graph = try await runGit(
                    ["log", "--graph", "--oneline", "--stat", "-n", "12", "HEAD", "origin/\(branch)"], in: checkout.path)
                throw HarnessError(description: "merging \(branch) left a conflict in \(path):\n\(text)\n\(graph.output)")
            }
        }
        try check(
            await runGit(
                commands: [["add", "-A"], ["commit", "-q", "-m", "Merge \(branch)"], ["push", "-q", "origin", "HEAD:main"]],
                in: checkout.path))
    }

    private func check(_ result: (status: Int32, output: String)) throws {
        guard result.status == 0 else { throw HarnessError(description: result.output) }
    }
}

/// Edits a JSON file in place, keeping it canonical.
func editJSON(_ url: URL, _ edit: (inout JSONValue) -> Void) throws {
    var value = try JSONParser.parse([UInt8](try Data(contentsOf: url)))
    edit(&value)
    try Data(CanonicalJSONWriter.canonicalBytes(value)).write(to: url)
}

extension JSONValue {
    /// Sets the `config.message` of the node `id`, for tests that edit a definition.
    mutating func setMessage(node id: String, to message: String) {
        guard case .object(var root) = self, case .array(var nodes)? = root["nodes"],
            let index = nodes.firstIndex(where: { $0["id"]?.stringValue == id }),
            case .object(var node) = nodes[index], case .object(var data)? = node["data"], case .object(var config)? = data["config"]
        else { return }
        config["message"] = .string(message)
        data["config"] = .object(config)
        node["data"] = .object(data)
        nodes[index] = .object(node)
        root["nodes"] = .array(nodes)
        self = .object(root)
    }
}

extension FakeWorkflow {
    /// Sets the `config.message` of the node `id`, as an edit in the Kapso editor would.
    mutating func setMessage(node id: String, to message: String) {
        var definition: JSONValue = ["nodes": .array(nodes)]
        definition.setMessage(node: id, to: message)
        nodes = definition["nodes"]?.arrayValue ?? nodes
    }
}

/// Throws the first time the cycle reaches one point, like a process dying there.
final class CrashOnce: Sendable {
    let point: SyncEngine.CrashPoint
    private let happened = Mutex(false)

    init(at point: SyncEngine.CrashPoint) { self.point = point }

    func reached(_ reached: SyncEngine.CrashPoint) throws(SyncError) {
        guard reached == point else { return }
        let first = happened.withLock { happened in
            defer { happened = true }
            return !happened
        }
        if first { throw SyncError.state("simulated crash at \(point)") }
    }
}

/// Whether `error` is the crash `CrashOnce` simulates at `point`: a crash test must fail when its crash
/// point is never reached (the cycle took another path), not pass on whatever error came instead.
func isSimulatedCrash(_ error: any Error, at point: SyncEngine.CrashPoint) -> Bool {
    "\(error)".contains("simulated crash at \(point)")
}
