import Foundation

/// What a cycle that found nothing to do read, kept so that the next cycle can see, by reading the same
/// things again without parsing them, that it would find nothing to do either, and skip the work.
///
/// A cycle's decisions are a function of what it reads: the program and its configuration, the
/// repository's references (objects never change under an id), the state directory, Kapso's list
/// answers (a cycle that fetched nothing read nothing else from Kapso) and the clock, which matters only
/// through the full pass's schedule. When all of these are byte for byte those of a cycle that wrote
/// nothing, fetched nothing and reported nothing to a person, the new cycle would decide the same: it
/// writes the status as that cycle did, with its own time, and stops. Anything else runs the whole
/// cycle, and the record is removed until a cycle finds nothing to do again. See `docs/design-notes.md`,
/// "The idle cycle's record".
public struct IdleRecord: Equatable, Sendable {
    /// What is read before Kapso is asked anything, each as a digest.
    public struct Inputs: Equatable, Sendable {
        /// The running program (device, inode, size and time of the executable): a new build decides anew.
        public var code: String
        /// The engine's configuration (`SyncConfiguration.idleRecordText`) and the API's dialect.
        public var configuration: String
        /// Every reference of the repository and its target.
        public var references: String
        /// Every file of the state directory (the state, push intents, the instance id) but the status
        /// and this record.
        public var stateFiles: String

        public init(code: String, configuration: String, references: String, stateFiles: String) {
            self.code = code
            self.configuration = configuration
            self.references = references
            self.stateFiles = stateFiles
        }
    }

    public var inputs: Inputs
    /// The digest of the workflow list's answer.
    public var workflowList: String
    /// The digest of the function list's answer; nil when the cycle did not read it.
    public var functionList: String?
    public var cycleID: String
    public var recordedAt: Double
    /// The next full pass, which reads every workflow whatever the list says, is due then.
    public var fullPassDue: Double
    public var listed: Int
    public var filtered: Int
    /// The digest of the status file that cycle wrote, from its `workflows` member's value to the end:
    /// what the next idle cycle writes again after its own times.
    public var statusWorkflows: String

    public static let fileName = "idle-cycle"
    static let header = "kapso-gitsync idle cycle 1"

    /// What differs between the recorded cycle's reads before it asked Kapso and those of a cycle that
    /// starts at `now` with these inputs (the list answers are compared next); nil when nothing does.
    /// A clock that went back is not trusted.
    public func difference(from current: Inputs, at now: Double) -> String? {
        if current.code != inputs.code { return "the program" }
        if current.configuration != inputs.configuration { return "the configuration" }
        if current.references != inputs.references { return "the repository's references" }
        if current.stateFiles != inputs.stateFiles { return "the state directory" }
        if now < recordedAt { return "the clock went back" }
        if now >= fullPassDue { return "a full pass is due" }
        return nil
    }

    /// What the cycle did, as far as recording it goes.
    public struct CycleFacts: Sendable {
        public var dryRun: Bool
        public var report: CycleReport
        /// Requests the cycle sent, and list answers it read (one per list read in one answer).
        public var requests: Int
        public var listAnswers: Int
        public var objectsWritten: Int
        public var stateChanged: Bool
        public var openIntents: Int
        public var resolvedIntents: Int
        public var state: SyncState
        public var listInvalid: Int
        public var functionListInvalid: Int

        public init(
            dryRun: Bool = false, report: CycleReport, requests: Int, listAnswers: Int, objectsWritten: Int = 0,
            stateChanged: Bool = false, openIntents: Int = 0, resolvedIntents: Int = 0, state: SyncState, listInvalid: Int = 0,
            functionListInvalid: Int = 0
        ) {
            self.dryRun = dryRun
            self.report = report
            self.requests = requests
            self.listAnswers = listAnswers
            self.objectsWritten = objectsWritten
            self.stateChanged = stateChanged
            self.openIntents = openIntents
            self.resolvedIntents = resolvedIntents
            self.state = state
            self.listInvalid = listInvalid
            self.functionListInvalid = functionListInvalid
        }
    }

    /// Why the cycle cannot be recorded as one that found nothing to do; nil when it can. Only a cycle
    /// whose sole reads of Kapso were the lists' single answers, that wrote nothing anywhere, left
    /// nothing pending and has nothing to report, can be repeated by its record.
    public static func refusal(_ facts: CycleFacts) -> String? {
        let report = facts.report
        if facts.dryRun { return "a dry run" }
        if report.fullPass { return "a full pass" }
        if facts.state.lastFullPass == nil { return "no full pass yet" }
        if report.hasChanges || report.commit != nil || facts.objectsWritten > 0 { return "it wrote to git or Kapso" }
        if report.fetched > 0 || report.unchanged > 0 { return "it fetched workflows" }
        if facts.requests != facts.listAnswers { return "it sent \(facts.requests) requests for \(facts.listAnswers) list answers" }
        if report.needsAttention || !report.missingInKapso.isEmpty || !report.deletedInGit.isEmpty || !report.warnings.isEmpty {
            return "it reported something"
        }
        if facts.listInvalid > 0 || facts.functionListInvalid > 0 { return "a list had unreadable entries" }
        if facts.stateChanged { return "it changed the state" }
        if facts.openIntents > 0 || facts.resolvedIntents > 0 || !report.landedIntents.isEmpty { return "push intents are open" }
        if !facts.state.pendingFetch.isEmpty || !facts.state.unreadable.isEmpty || !(facts.state.pendingDeploys ?? []).isEmpty {
            return "reads or deployments are pending"
        }
        return nil
    }

    // MARK: The file

    public func text() -> String {
        var lines = [
            Self.header,
            "code\t\(inputs.code)",
            "configuration\t\(inputs.configuration)",
            "references\t\(inputs.references)",
            "state\t\(inputs.stateFiles)",
            "workflows\t\(workflowList)",
            "functions\t\(functionList ?? "-")",
            "cycle\t\(cycleID)",
            "recorded\t\(recordedAt)",
            "full-pass-due\t\(fullPassDue)",
            "listed\t\(listed)",
            "filtered\t\(filtered)",
            "status\t\(statusWorkflows)",
        ]
        lines.append("end")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The record in `text`; nil for anything else (another version, a cut-off or edited file).
    public init?(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The header, twelve fields, `end`, and nothing after the last line's end.
        guard lines.count == 15, lines[0] == Self.header, lines[13] == "end", lines[14].isEmpty else { return nil }
        var fields: [String: [String]] = [:]
        for line in lines[1..<13] {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, fields[parts[0]] == nil else { return nil }
            fields[parts[0]] = Array(parts.dropFirst())
        }
        func one(_ key: String) -> String? {
            guard let values = fields[key], values.count == 1, !values[0].isEmpty else { return nil }
            return values[0]
        }
        guard let code = one("code"), let configuration = one("configuration"), let references = one("references"),
            let stateFiles = one("state"), let workflowList = one("workflows"), let functionList = one("functions"),
            let cycleID = one("cycle"), let recordedAt = one("recorded").flatMap(Double.init),
            let fullPassDue = one("full-pass-due").flatMap(Double.init), let listed = one("listed").flatMap(Int.init),
            let filtered = one("filtered").flatMap(Int.init), let statusWorkflows = one("status")
        else { return nil }
        self.init(
            inputs: Inputs(code: code, configuration: configuration, references: references, stateFiles: stateFiles),
            workflowList: workflowList, functionList: functionList == "-" ? nil : functionList, cycleID: cycleID,
            recordedAt: recordedAt, fullPassDue: fullPassDue, listed: listed, filtered: filtered, statusWorkflows: statusWorkflows)
    }

    public init(
        inputs: Inputs, workflowList: String, functionList: String?, cycleID: String, recordedAt: Double, fullPassDue: Double,
        listed: Int, filtered: Int, statusWorkflows: String
    ) {
        self.inputs = inputs
        self.workflowList = workflowList
        self.functionList = functionList
        self.cycleID = cycleID
        self.recordedAt = recordedAt
        self.fullPassDue = fullPassDue
        self.listed = listed
        self.filtered = filtered
        self.statusWorkflows = statusWorkflows
    }

    static func url(in directory: String) -> URL {
        URL(fileURLWithPath: directory).appendingPathComponent(fileName)
    }

    public static func load(from directory: String) -> IdleRecord? {
        guard let data = try? Data(contentsOf: url(in: directory)) else { return nil }
        return IdleRecord(text: String(decoding: data, as: UTF8.self))
    }

    public func save(to directory: String) throws {
        try AtomicFile.write(Data(text().utf8), to: Self.url(in: directory))
    }

    public static func remove(from directory: String) {
        unlink(url(in: directory).path)
    }
}
