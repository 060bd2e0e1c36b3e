/// The state file's own text form: one line per record, tab-separated fields. At 10,000 workflows
/// `JSONDecoder` took about 150 ms to read the state and `JSONEncoder` as long to write it, which was
/// most of an idle `sync`; this form takes a tenth of that.
///
/// A field escapes `\`, tab, newline and carriage return (`\\`, `\t`, `\n`, `\r`), so any string fits.
/// A map is its count, then key and value fields. A file that does not read cleanly is refused whole
/// (the state is then empty, which costs only requests).
enum SyncStateText {
    static let header = "kapso-gitsync state 4"
    /// The last line: a file without it was cut short, and is not read.
    static let footer = "end"

    static func encode(_ state: SyncState) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(64 + state.knownVersions.count * 300 + state.localFiles.count * 400)
        writer.line([header])
        if let lastFullPass = state.lastFullPass { writer.line(["full", String(lastFullPass)]) }
        if let localTree = state.localTree { writer.line(["localtree", localTree]) }
        if let written = state.remoteMapWritten { writer.line(["remotemap", String(written.layout), written.blob]) }
        for (id, known) in state.knownVersions.sorted(by: { $0.key < $1.key }) {
            writer.fields(["known", id, known.lockVersion.map(String.init) ?? ""])
            writer.map(known.files)
            writer.endLine()
        }
        for (folder, record) in state.localFiles.sorted(by: { $0.key < $1.key }) {
            writer.fields(["local", folder])
            writer.map(record.blobs)
            writer.map(record.hashes)
            writer.endLine()
        }
        for id in state.pendingFetch.sorted() { writer.line(["pending", id]) }
        for (id, unreadable) in state.unreadable.sorted(by: { $0.key < $1.key }) {
            writer.line(["unreadable", id, unreadable.lockVersion.map(String.init) ?? "", unreadable.reason])
        }
        if let versions = state.knownFunctionVersions {
            writer.line(["functions"])
            for (id, version) in versions.sorted(by: { $0.key < $1.key }) { writer.line(["function", id, version]) }
        }
        if let deploys = state.pendingDeploys {
            writer.line(["deploys"])
            for id in deploys.sorted() { writer.line(["deploy", id]) }
        }
        writer.line([footer])
        return writer.bytes
    }

    /// nil: not this form, or damaged.
    static func decode(_ bytes: [UInt8]) -> SyncState? {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    static func decode(_ buffer: UnsafeBufferPointer<UInt8>) -> SyncState? {
        var state = SyncState()
        let lines = buffer.split(separator: 0x0A, omittingEmptySubsequences: false)
        // Header, records, footer, and the empty remainder after the footer's newline.
        guard lines.count >= 3, lines[lines.count - 1].isEmpty, field(lines[0]) == header, field(lines[lines.count - 2]) == footer
        else { return nil }
        for line in lines[1..<(lines.count - 2)] {
            guard apply(line.split(separator: 0x09, omittingEmptySubsequences: false).map(field), to: &state) else { return nil }
        }
        return state
    }

    private static func apply(_ fields: [String], to state: inout SyncState) -> Bool {
        switch (fields.first, fields.count) {
        case ("full", 2):
            guard let time = Double(fields[1]) else { return false }
            state.lastFullPass = time
        case ("localtree", 2):
            state.localTree = fields[1]
        case ("remotemap", 3):
            guard let layout = Int(fields[1]) else { return false }
            state.remoteMapWritten = .init(blob: fields[2], layout: layout)
        case ("known", 3...):
            guard let lockVersion = optionalInt(fields[2]), let files = map(fields[3...]), files.rest.isEmpty else { return false }
            state.knownVersions[fields[1]] = .init(lockVersion: lockVersion, files: files.map)
        case ("local", 2...):
            guard let blobs = map(fields[2...]), let hashes = map(blobs.rest), hashes.rest.isEmpty else { return false }
            state.localFiles[fields[1]] = .init(blobs: blobs.map, hashes: hashes.map)
        case ("pending", 2):
            state.pendingFetch.insert(fields[1])
        case ("unreadable", 4):
            guard let lockVersion = optionalInt(fields[2]) else { return false }
            state.unreadable[fields[1]] = .init(lockVersion: lockVersion, reason: fields[3])
        case ("functions", 1):
            state.knownFunctionVersions = state.knownFunctionVersions ?? [:]
        case ("function", 3):
            state.knownFunctionVersions = state.knownFunctionVersions ?? [:]
            state.knownFunctionVersions?[fields[1]] = fields[2]
        case ("deploys", 1):
            state.pendingDeploys = state.pendingDeploys ?? []
        case ("deploy", 2):
            state.pendingDeploys = state.pendingDeploys ?? []
            state.pendingDeploys?.insert(fields[1])
        default:
            return false
        }
        return true
    }

    /// `Int?` from a field where empty means nil; nil (the outer one) when the field is neither.
    private static func optionalInt(_ field: String) -> Int?? {
        if field.isEmpty { return .some(nil) }
        return Int(field).map { .some($0) }
    }

    private static func map(_ fields: ArraySlice<String>) -> (map: [String: String], rest: ArraySlice<String>)? {
        guard let countField = fields.first, let count = Int(countField), count >= 0, fields.count >= 1 + 2 * count else { return nil }
        var map: [String: String] = [:]
        map.reserveCapacity(count)
        var index = fields.startIndex + 1
        for _ in 0..<count {
            map[fields[index]] = fields[index + 1]
            index += 2
        }
        return (map, fields[index...])
    }

    private static func field(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: UnsafeBufferPointer(rebasing: bytes), as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(bytes.count)
        var escaping = false
        for byte in bytes {
            if escaping {
                switch byte {
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                default: unescaped.append(byte)
                }
                escaping = false
            } else if byte == UInt8(ascii: "\\") {
                escaping = true
            } else {
                unescaped.append(byte)
            }
        }
        return String(decoding: unescaped, as: UTF8.self)
    }

    private struct Writer {
        var bytes: [UInt8] = []
        private var lineStarted = false

        mutating func line(_ fields: [String]) {
            self.fields(fields)
            endLine()
        }

        mutating func fields(_ fields: [String]) {
            for field in fields { self.field(field) }
        }

        /// A map: its count, then each key and value, keys in order.
        mutating func map(_ map: [String: String]) {
            field(String(map.count))
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                field(key)
                field(value)
            }
        }

        mutating func endLine() {
            bytes.append(0x0A)
            lineStarted = false
        }

        private mutating func field(_ field: String) {
            if lineStarted { bytes.append(0x09) }
            lineStarted = true
            var text = field
            let copied = text.withUTF8 { utf8 in
                guard !utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return false }
                bytes.append(contentsOf: utf8)
                return true
            }
            guard !copied else { return }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                default: bytes.append(byte)
                }
            }
        }
    }
}
