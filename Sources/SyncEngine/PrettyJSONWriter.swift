import CanonicalJSON

/// Writes a JSON document as `JSONEncoder` with `.prettyPrinted` lays it out (two spaces per level,
/// `"key" : value`), one member at a time, for a document too large to build as values first. The
/// caller gives the members in the order they are to appear.
struct PrettyJSONWriter {
    var output: [UInt8] = []
    /// Per open container: whether it has a member or element yet.
    private var filled: [Bool] = []

    init() {}

    /// A writer for a value that sits at that depth of a document: its lines are indented as there.
    init(insideObjects depth: Int) {
        filled = Array(repeating: true, count: depth)
    }

    mutating func openObject() {
        output.append(UInt8(ascii: "{"))
        filled.append(false)
    }

    mutating func closeObject() { close(UInt8(ascii: "}")) }

    mutating func openArray() {
        output.append(UInt8(ascii: "["))
        filled.append(false)
    }

    mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// Starts the next element of the open array.
    mutating func element() { next() }

    mutating func key(_ key: String) {
        next()
        CanonicalJSONWriter.appendQuoted(key, to: &output)
        output.append(contentsOf: " : ".utf8)
    }

    mutating func member(_ name: String, string value: String?) {
        guard let value else { return }
        key(name)
        CanonicalJSONWriter.appendQuoted(value, to: &output)
    }

    /// `number`: the number's JSON text.
    mutating func member(_ name: String, number: String?) {
        guard let number else { return }
        key(name)
        output.append(contentsOf: number.utf8)
    }

    mutating func member(_ name: String, strings values: [String]?) {
        guard let values else { return }
        key(name)
        openArray()
        for value in values {
            element()
            CanonicalJSONWriter.appendQuoted(value, to: &output)
        }
        closeArray()
    }

    private mutating func next() {
        if filled[filled.count - 1] { output.append(UInt8(ascii: ",")) }
        filled[filled.count - 1] = true
        newline(depth: filled.count)
    }

    private mutating func close(_ bracket: UInt8) {
        if filled.removeLast() { newline(depth: filled.count) }
        output.append(bracket)
    }

    private mutating func newline(depth: Int) {
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }
}
