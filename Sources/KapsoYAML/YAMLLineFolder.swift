import CanonicalJSON

/// Folds long flow scalars the way the `yaml` npm package (which the Kapso CLI writes with) does:
/// lines of at most 80 columns, broken only at a single space between two non-space characters.
///
/// Positions count UTF-16 code units, as JavaScript string indices do, so folding matches
/// byte for byte on non-ASCII text too.
enum YAMLLineFolder {
    enum Mode {
        /// Plain and single-quoted scalars.
        case flow
        /// Double-quoted scalars: a fold may also fall inside a run of spaces, escaped with `\`.
        case quoted
    }

    static let lineWidth = 80
    static let minContentWidth = 20

    static func fold(_ text: String, indent: Int, mode: Mode, indentAtStart: Int) -> String {
        let units = Array(text.utf16)
        let endStep = max(1 + minContentWidth, 1 + lineWidth - indent)
        if units.count <= endStep { return text }
        var folds: [Int] = []
        var escapedFolds: Set<Int> = []
        var end = lineWidth - indent
        if indentAtStart > lineWidth - max(2, minContentWidth) {
            folds.append(0)
        } else {
            end = lineWidth - indentAtStart
        }
        var split: Int?
        var previous: UInt16?
        var i = -1
        var escapeStart = -1
        var escapeEnd = -1
        let space = UInt16(UInt8(ascii: " ")), tab = UInt16(UInt8(ascii: "\t")), newline = UInt16(UInt8(ascii: "\n"))
        let backslash = UInt16(UInt8(ascii: "\\"))
        func at(_ position: Int) -> UInt16? { position >= 0 && position < units.count ? units[position] : nil }

        i += 1
        while var character = at(i) {
            if mode == .quoted && character == backslash {
                escapeStart = i
                switch at(i + 1) {
                case UInt16(UInt8(ascii: "x")): i += 3
                case UInt16(UInt8(ascii: "u")): i += 5
                case UInt16(UInt8(ascii: "U")): i += 9
                default: i += 1
                }
                escapeEnd = i
            }
            if character == newline {
                end = i + indent + endStep
                split = nil
            } else {
                if character == space, let previous, previous != space, previous != newline, previous != tab {
                    if let next = at(i + 1), next != space, next != newline, next != tab { split = i }
                }
                if i >= end {
                    if let foldAt = split {
                        folds.append(foldAt)
                        end = foldAt + endStep
                        split = nil
                    } else if mode == .quoted {
                        while previous == space || previous == tab {
                            previous = character
                            i += 1
                            character = at(i) ?? 0
                        }
                        let j = i > escapeEnd + 1 ? i - 2 : escapeStart - 1
                        if escapedFolds.contains(j) { return text }
                        folds.append(j)
                        escapedFolds.insert(j)
                        end = j + endStep
                        split = nil
                    }
                }
            }
            previous = character
            i += 1
        }
        if folds.isEmpty { return text }
        let indentString = Array(repeating: space, count: indent)
        var result = Array(units[0..<min(folds[0], units.count)])
        for (position, foldAt) in folds.enumerated() {
            let nextEnd = position + 1 < folds.count && folds[position + 1] != 0 ? folds[position + 1] : units.count
            if foldAt == 0 {
                result = [newline] + indentString + Array(units[0..<nextEnd])
            } else {
                if mode == .quoted && escapedFolds.contains(foldAt) {
                    result.append(units[foldAt])
                    result.append(backslash)
                }
                result.append(newline)
                result.append(contentsOf: indentString)
                result.append(contentsOf: units[(foldAt + 1)..<nextEnd])
            }
        }
        return String(decoding: result, as: UTF16.self)
    }
}
