import Foundation
import GitSyncService
import Logging
import Testing

@Suite struct LogLineFormatterTests {
    static let date = Date(timeIntervalSince1970: 1_795_400_000.25)

    @Test(arguments: [
        (Logger.Level.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"), (.error, "<3>"),
        (.critical, "<2>"),
    ])
    func journalLinesStartWithTheSyslogPriority(level: Logger.Level, prefix: String) {
        let line = LogLineFormatter(format: .journal).line(level: level, message: "cycle finished", metadata: [("a", "1")], date: Self.date)
        #expect(line == "\(prefix)cycle finished a=1")
    }

    @Test(arguments: [
        (LogLineFormatter.Format.journal, "<6>sync two\\nlines gitsync.reason=\"has space\" gitsync.empty=\"\""),
        (.text, "2026-11-23T02:13:20.250Z info sync two\\nlines gitsync.reason=\"has space\" gitsync.empty=\"\""),
        (
            .json,
            #"{"time":"2026-11-23T02:13:20Z","level":"info","message":"sync two\nlines","gitsync.reason":"has space","gitsync.empty":""}"#
        ),
    ])
    func oneRecordIsAlwaysOneLine(format: LogLineFormatter.Format, expected: String) {
        let line = LogLineFormatter(format: format).line(
            level: .info, message: "sync two\nlines", metadata: [("gitsync.reason", "has space"), ("gitsync.empty", "")], date: Self.date)
        #expect(line == expected)
        #expect(!line.contains("\n"))
    }

    @Test func jsonEscapesQuotesBackslashesAndControlCharacters() throws {
        let line = LogLineFormatter(format: .json).line(
            level: .error, message: "a \"quoted\" \\ path\t\u{01}", metadata: [("k", "v\"")], date: Self.date)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["message"] == "a \"quoted\" \\ path\t\u{01}")
        #expect(object?["k"] == "v\"")
        #expect(object?["level"] == "error")
    }

    @Test func autoChoosesTheJournalOnlyWhenStandardErrorIsTheJournalStream() {
        #expect(LogLineFormatter.format(for: .auto, environment: [:]) == .text)
        #expect(LogLineFormatter.format(for: .auto, environment: ["JOURNAL_STREAM": "1:1"]) == .text)
        #expect(LogLineFormatter.format(for: .journal, environment: [:]) == .journal)
        #expect(LogLineFormatter.format(for: .json, environment: [:]) == .json)
        var info = stat()
        guard fstat(2, &info) == 0 else { return }
        #expect(LogLineFormatter.format(for: .auto, environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) == .journal)
    }
}
