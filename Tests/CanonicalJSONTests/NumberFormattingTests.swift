import CanonicalJSON
import Testing

/// Expected texts are what node's `JSON.stringify(JSON.parse(literal))` prints.
@Suite struct NumberFormattingTests {
    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("1", "1"), ("1.0", "1"), ("-1.50", "-1.5"), ("0.1", "0.1"), ("100", "100"),
        ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("123456789012345678901", "123456789012345680000"),
        ("12345678901234567890", "12345678901234567000"), ("5e-7", "5e-7"), ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"), ("1.5e-10", "1.5e-10"), ("1E+2", "100"), ("2.5e+25", "2.5e+25"),
        ("9007199254740993", "9007199254740992"), ("0.30000000000000004", "0.30000000000000004"),
        ("1e400", "null"), ("-1e400", "null"), ("4.9e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("123.456", "123.456"), ("-50", "-50"), ("1e-6", "0.000001"), ("999999999999999999999", "1e+21"),
    ])
    func printsLikeJavaScript(literal: String, expected: String) throws {
        #expect(JavaScriptNumberFormatter.jsonText(forLiteral: literal) == expected)
        let document = try JSONParser.parse("[\(literal)]")
        #expect(CanonicalJSONWriter.compactBytes(document) == Array("[\(expected)]".utf8))
    }

    @Test func parserKeepsTheLiteralAsWritten() throws {
        let value = try JSONParser.parse(#"{"a": 1.0, "b": 1e21, "c": -0}"#)
        #expect(value["a"]?.numberValue?.literal == "1.0")
        #expect(value["b"]?.numberValue?.literal == "1e21")
        #expect(value["c"]?.numberValue?.literal == "-0")
    }
}
