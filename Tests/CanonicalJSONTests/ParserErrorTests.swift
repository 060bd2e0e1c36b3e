import CanonicalJSON
import Testing

@Suite struct ParserErrorTests {
    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        ("[1,]", "unexpected character ']'"),
        ("{\"a\" 1}", "expected ':' after key"),
        ("01", "leading zero"),
        ("1.", "expected digits after '.'"),
        ("\"abc", "unterminated string"),
        ("\"a\u{1}\"", "control character"),
        (#""\ud800""#, "lone UTF-16 surrogate"),
        (#""\x""#, "invalid escape"),
        ("tru", "invalid literal"),
        ("{} []", "unexpected data after the JSON value"),
        ("\u{FEFF}{}", "byte order mark"),
        ("NaN", "unexpected character 'N'"),
    ])
    func rejectsWithAReason(input: String, reason: String) {
        #expect {
            try JSONParser.parse(input)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.reason.contains(reason)
        }
    }

    @Test func errorNamesLineAndColumn() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }
}
