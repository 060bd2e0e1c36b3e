import ArgumentParser
import Foundation
import GitSyncConfig
import GitSyncService
import KapsoAPI
import SyncEngine

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every workflow and its state: from the running service when it answers, else from the state directory.",
        discussion: "Exit code 0: shown; 1: no cycle has run yet, or the configuration is wrong.")

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print the status as JSON (the service's /status document when it runs).")
    var json = false

    func run() async throws {
        let configuration = options.loadConfigurationOrExit()
        if let listen = configuration.service.listen, let document = await Self.fetchFromService(listen) {
            if json {
                print(String(decoding: document.encoded(), as: UTF8.self))
                return
            }
            printService(document.service)
            if let status = document.status { printCycle(status) } else { print("no cycle has finished yet") }
            return
        }
        guard let status = StatusFile.load(from: configuration.stateDirectory) else {
            FileHandle.standardError.write(
                Data("error: the service is not answering and \(configuration.stateDirectory) holds no status yet: no cycle has run\n".utf8)
            )
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print(
            "service: not answering on \(configuration.service.listen?.description ?? "(status server off)"); from \(configuration.stateDirectory):"
        )
        printCycle(status)
    }

    /// The running service's `/status`, or nil when nothing answers there within two seconds.
    static func fetchFromService(_ listen: ListenAddress) async -> ServiceStatusDocument? {
        let host: String =
            switch listen.host {
            case "0.0.0.0": "127.0.0.1"
            case "::": "[::1]"
            default: listen.isIPv6 ? "[\(listen.host)]" : listen.host
            }
        guard let url = URL(string: "http://\(host):\(listen.port)/status"),
            let response = try? await AsyncHTTPClientTransport().send(HTTPRequest(method: "GET", url: url, timeout: .seconds(2))),
            response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(ServiceStatusDocument.self, from: Data(response.body))
    }

    private func printService(_ service: ServiceStatusDocument.Service) {
        var parts = ["running (pid \(service.pid))", service.readiness]
        if service.suspended { parts.append("suspended (sync.suspend): nothing is written") }
        if service.stopping { parts.append("stopping") }
        if service.cycleRunning, let since = service.cycleStartedAt {
            parts.append("cycle running since \(Self.time(since))" + (service.cycleTrigger.map { " (\($0))" } ?? ""))
        } else if let next = service.nextCycleAt {
            parts.append("next cycle at \(Self.time(next))")
        }
        if service.consecutiveFailures > 0 { parts.append("\(service.consecutiveFailures) failed in a row") }
        print("service: " + parts.joined(separator: "; "))
    }

    private func printCycle(_ status: StatusFile) {
        print("last cycle: \(status.result) at \(Self.time(status.updatedAt))" + (status.cycleID.map { " (cycle \($0))" } ?? ""))
        if let error = status.lastError { print("last error: \(error)") }
        if let success = status.lastSuccessAt { print("last success: \(Self.time(success))") }
        let width = max(8, status.workflows.map(\.slug.count).max() ?? 0)
        print("WORKFLOW".padding(toLength: width, withPad: " ", startingAt: 0) + "  STATE             DETAIL")
        for workflow in status.workflows {
            let detail = [workflow.detail, workflow.branch.map { "branch \($0)" }].compactMap { $0 }.joined(separator: "; ")
            print(
                workflow.slug.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + workflow.state.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + detail)
        }
    }

    static func time(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }
}
