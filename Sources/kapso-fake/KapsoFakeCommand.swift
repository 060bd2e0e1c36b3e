import ArgumentParser
import Dispatch
import Foundation
import KapsoFake

/// The fake Kapso API as a standalone server on 127.0.0.1, for trying the service by hand and benchmarks.
@main
struct KapsoFakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kapso-fake",
        abstract: "Serve a fake Kapso workflows API on 127.0.0.1 until SIGINT or SIGTERM.",
        discussion: "The API key comes from KAPSO_API_KEY or --api-key-file; the base URL is printed on standard output.")

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: UInt16 = 0

    @Option(help: "File holding the API key clients must send.")
    var apiKeyFile: String?

    @Option(help: "Workflow folders in the Kapso CLI layout to serve.")
    var seed: String?

    @Option(help: "Generate this many synthetic workflows.")
    var generate = 0

    @Option(help: "Nodes per generated workflow.")
    var nodes = 40

    @Option(help: "Server-side rate limit in requests per minute (0: none).")
    var requestsPerMinute = 0

    func run() async throws {
        let apiKey: String
        if let file = apiKeyFile {
            apiKey = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = ProcessInfo.processInfo.environment["KAPSO_API_KEY"], !value.isEmpty {
            apiKey = value
        } else {
            throw ValidationError("set KAPSO_API_KEY or --api-key-file")
        }
        let fake = KapsoFake(options: .init(apiKey: apiKey, requestsPerMinute: requestsPerMinute))
        if let seed { try await fake.seed(fromDirectory: seed) }
        if generate > 0 { await fake.seedGenerated(workflows: generate, nodesPerWorkflow: nodes) }
        await fake.prepareAnswers()
        let url = try await fake.start(port: port)
        // Written straight to the file descriptor: a parent process waits for this line.
        let legacyURL = await fake.legacyBaseURL?.absoluteString ?? ""
        let line = "kapso-fake listening on \(url.absoluteString) with \(await fake.workflows.count) workflows"
        FileHandle.standardOutput.write(Data((line + " (the legacy Flows API on \(legacyURL))\n").utf8))
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
        await fake.stop()
    }
}
