import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one line per record to standard error, formatted by ``LogLineFormatter``.
public struct ServiceLogHandler: LogHandler {
    /// Serialises writes so that lines from concurrent tasks never interleave.
    static let output = Mutex<FileHandle>(FileHandle.standardError)

    let label: String
    let formatter: LogLineFormatter
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    public init(label: String, formatter: LogLineFormatter, level: Logger.Level) {
        self.label = label
        self.formatter = formatter
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        var fields = merged.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
        if let error = event.error { fields.append(("error", "\(error)")) }
        let line = formatter.line(level: event.level, message: "\(event.message)", metadata: fields, date: Date()) + "\n"
        Self.output.withLock { $0.write(Data(line.utf8)) }
    }

    /// Installs the handler for the whole process; call once, before the first logger is made.
    public static func bootstrap(format: LogLineFormatter.Format, level: Logger.Level) {
        let formatter = LogLineFormatter(format: format)
        LoggingSystem.bootstrap { label in ServiceLogHandler(label: label, formatter: formatter, level: level) }
    }
}
