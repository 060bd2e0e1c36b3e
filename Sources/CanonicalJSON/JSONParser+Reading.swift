/// Reading a document member by member, for a reader that knows the shape it expects and builds its
/// own values as it goes: no `JSONValue` tree of the whole document is made (for the remote-map of
/// 10,000 workflows, the tree and the walk over it took 54 ms of each cycle).
extension JSONParser {
    /// The result of `body`, which reads the one value `bytes` holds (with `readObject`, `readString`,
    /// `readValue`); data after that value is an error, as in `parse`.
    public static func reading<Result>(
        _ bytes: [UInt8], _ body: (inout JSONParser) throws(JSONParseError) -> Result
    ) throws(JSONParseError) -> Result {
        let outcome: Swift.Result<Result, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            do throws(JSONParseError) {
                parser.skipWhitespace()
                let value = try body(&parser)
                parser.skipWhitespace()
                if parser.index < buffer.count { throw parser.error("unexpected data after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Whether the next value is an object; nothing is read.
    public mutating func nextIsObject() -> Bool {
        skipWhitespace()
        return peek(UInt8(ascii: "{"))
    }

    /// Reads an object, calling `member` with each key, in the document's order, when the parser stands
    /// at that member's value: `member` reads the value. Anything but an object is an error.
    public mutating func readObject(
        _ member: (inout JSONParser, String) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        skipWhitespace()
        guard peek(UInt8(ascii: "{")) else { throw error("expected an object") }
        try enterContainer()
        index += 1
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after key") }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input in object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return
            }
            throw error("expected ',' or '}' in object")
        }
    }

    /// The next value, whatever it is.
    public mutating func readValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        return try parseValue()
    }

    /// The next value, which must be a string.
    public mutating func readString() throws(JSONParseError) -> String {
        skipWhitespace()
        guard peek(UInt8(ascii: "\"")) else { throw error("expected a string") }
        return try parseString()
    }

    /// Where the parser stands, as an offset into the bytes being read: inside `readObject`'s `member`,
    /// the first byte of the member's value (and, once `member` has read it, the byte after it).
    public var offset: Int { index }

    /// An error for `reason` at the parser's place: for a reader that finds a shape it does not expect.
    public func mismatch(_ reason: String) -> JSONParseError {
        error(reason)
    }
}
