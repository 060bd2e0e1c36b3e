/// A three-way merge of texts line by line, as `git merge-file` does (diff3): the lines both sides
/// kept from the base anchor the merge; between anchors, a side that left the base's lines alone takes
/// the other side's, equal changes are taken once, and different changes are a conflict.
public enum TextMerge {
    /// The longest texts merged line by line, as lines of the base times lines of a side: the table of
    /// the longest common subsequence takes four bytes a cell (16 MB at this size). Longer texts changed
    /// on both sides are a conflict rather than a service that runs out of memory.
    public static let maximumCells = 4_000_000

    /// The merged text, or nil when both sides changed the same lines differently (or the texts are too
    /// long to merge line by line).
    public static func merge(base: String, ours: String, theirs: String) -> String? {
        let baseLines = lines(base)
        let ourLines = lines(ours)
        let theirLines = lines(theirs)
        guard (baseLines.count + 1) * (max(ourLines.count, theirLines.count) + 1) <= maximumCells else { return nil }
        let ourMatch = matches(baseLines, ourLines)
        let theirMatch = matches(baseLines, theirLines)
        var merged: [Substring] = []
        var (b, o, t) = (0, 0, 0)
        while true {
            // The next base line that both sides kept, in order: the end of this chunk.
            var anchor = b
            while anchor < baseLines.count,
                ourMatch[anchor] == nil || theirMatch[anchor] == nil
                    || ourMatch[anchor]! < o || theirMatch[anchor]! < t
            {
                anchor += 1
            }
            let ourEnd = anchor < baseLines.count ? ourMatch[anchor]! : ourLines.count
            let theirEnd = anchor < baseLines.count ? theirMatch[anchor]! : theirLines.count
            let baseChunk = baseLines[b..<anchor]
            let ourChunk = ourLines[o..<ourEnd]
            let theirChunk = theirLines[t..<theirEnd]
            if ourChunk.elementsEqual(baseChunk) {
                merged += theirChunk
            } else if theirChunk.elementsEqual(baseChunk) || ourChunk.elementsEqual(theirChunk) {
                merged += ourChunk
            } else {
                return nil
            }
            guard anchor < baseLines.count else { break }
            merged.append(baseLines[anchor])
            (b, o, t) = (anchor + 1, ourEnd + 1, theirEnd + 1)
        }
        return merged.joined(separator: "\n")
    }

    private static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// For each line of `base`, the index of the line of `other` it is matched with in a longest common
    /// subsequence, or nil.
    static func matches(_ base: [Substring], _ other: [Substring]) -> [Int?] {
        let n = base.count
        let m = other.count
        // lengths[i][j]: the longest common subsequence of base[i...] and other[j...].
        var lengths = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = base[i] == other[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var result = [Int?](repeating: nil, count: n)
        var (i, j) = (0, 0)
        while i < n && j < m {
            if base[i] == other[j] {
                result[i] = j
                i += 1
                j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }
}
