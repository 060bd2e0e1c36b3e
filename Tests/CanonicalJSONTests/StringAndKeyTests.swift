import CanonicalJSON
import Testing

@Suite struct StringAndKeyTests {
    @Test(arguments: [
        (#""plain""#, #""plain""#),
        (#""a\/b""#, #""a/b""#),
        (#""tab\there""#, #""tab\there""#),
        (#""\u0001\u001f""#, #""\u0001\u001f""#),
        (#""\b\f\n\r""#, #""\b\f\n\r""#),
        (#""quote \" backslash \\""#, #""quote \" backslash \\""#),
        (#""\u00e9\u2028""#, "\"é\u{2028}\""),
        (#""\ud83e\ude7a emoji""#, "\"🩺 emoji\""),
        ("\"raw 🩺 ✅ ❤\u{FE0F}\"", "\"raw 🩺 ✅ ❤\u{FE0F}\""),
        (#""\u007f""#, "\"\u{7F}\""),
    ])
    func escapesLikeJSONStringify(input: String, expected: String) throws {
        #expect(CanonicalJSONWriter.compactBytes(try JSONParser.parse(input)) == Array(expected.utf8))
    }

    @Test func keysAreSortedByUTF16WithArrayIndexKeysFirst() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": 2, "B": 3, "10": 4, "9": 5, "01": 6, "é": 7, "🩺": 8, "\uffff": 9, "_": 10}"#)
        let text = String(decoding: CanonicalJSONWriter.compactBytes(value), as: UTF8.self)
        #expect(text == "{\"9\":5,\"10\":4,\"01\":6,\"B\":3,\"_\":10,\"a\":2,\"b\":1,\"é\":7,\"🩺\":8,\"\u{FFFF}\":9}")
    }

    /// "!" sorts before every digit, so it comes first unless the other key is an array index.
    @Test(arguments: [
        ("0", true), ("7", true), ("10", true), ("4294967294", true), ("4294967295", false), ("4294967296", false),
        ("01", false), ("-1", false), ("1.5", false), ("1e3", false),
    ])
    func arrayIndexKeysComeFirst(key: String, isIndex: Bool) {
        #expect((JavaScriptKeyOrder.sorted(["!", key]).first == key) == isIndex)
    }

    @Test func prettyLayoutMatchesStringifyWithTwoSpaces() throws {
        let value = try JSONParser.parse(#"{"z": [], "a": {}, "m": [1, {"k": null}], "b": true}"#)
        let expected = """
            {
              "a": {},
              "b": true,
              "m": [
                1,
                {
                  "k": null
                }
              ],
              "z": []
            }

            """
        #expect(CanonicalJSONWriter.canonicalString(value) == expected)
    }
}
