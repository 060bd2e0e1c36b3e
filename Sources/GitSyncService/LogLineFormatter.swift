import Foundation
import GitSyncConfig
import Logging

/// One log record as one line: for journald (`<6>message key=value`: the priority prefix sets the
/// journal's PRIORITY, journald adds the time), for a terminal or file (time, level, message,
/// metadata), or as a JSON object. Pure, so every format is tested as a table.
public struct LogLineFormatter: Sendable {
    public enum Format: Sendable, Equatable {
        case journal
        case text
        case json
    }

    public let format: Format

    public init(format: Format) {
        self.format = format
    }

    /// `auto` means journal when standard error is connected to the journal (systemd sets
    /// `JOURNAL_STREAM` to the device and inode of that stream), text otherwise.
    public static func format(
        for setting: ServiceSettings.LogFormat, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Format {
        switch setting {
        case .journal: .journal
        case .text: .text
        case .json: .json
        case .auto: standardErrorIsJournal(environment: environment) ? .journal : .text
        }
    }

    public static func standardErrorIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// syslog priorities, as journald reads them from the `<N>` prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func line(level: Logger.Level, message: String, metadata: [(String, String)], date: Date) -> String {
        switch format {
        case .journal:
            return "<\(Self.priority(level))>"
                + ([Self.singleLine(message)] + metadata.map { "\($0.0)=\(Self.quoted($0.1))" })
                .joined(separator: " ")
        case .text:
            let time = date.formatted(
                .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            return ([time, level.rawValue, Self.singleLine(message)] + metadata.map { "\($0.0)=\(Self.quoted($0.1))" })
                .joined(separator: " ")
        case .json:
            var fields: [String] = [
                "\"time\":\(Self.jsonString(date.formatted(.iso8601)))", "\"level\":\(Self.jsonString(level.rawValue))",
                "\"message\":\(Self.jsonString(message))",
            ]
            fields += metadata.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    /// One record, one line: a newline in a message must not forge a second record.
    static func singleLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline })
        return plain ? value : jsonString(value)
    }

    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                result += String(format: "\\u%04x", control.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
