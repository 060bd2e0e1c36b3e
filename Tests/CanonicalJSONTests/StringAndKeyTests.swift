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

/// The writer's shortcuts must give what the long way gives.
@Suite struct WriterShortcutTests {
    /// UTF-8 byte order agrees with UTF-16 order except between characters above U+FFFF and those in
    /// U+E000–U+FFFF; `precedes` must follow UTF-16 everywhere.
    @Test(arguments: [
        ("a", "b"), ("b", "a"), ("a", "a"), ("", "a"), ("a", ""), ("ab", "a"), ("A", "a"), ("é", "z"), ("z", "é"),
        ("\u{FFFF}", "🩺"), ("🩺", "\u{FFFF}"), ("\u{E000}", "𐀀"), ("x\u{FFFD}", "x😀"), ("é1", "é2"), ("éa", "ê"),
        ("node_1", "node_10"), ("data", "data_type"),
        ("workflows/generated-10/definition.json", "workflows/generated-1/workflow.yaml"),
        ("workflows/generated-1/workflow.yaml", "workflows/generated-10/definition.json"),
        ("workflows/caf\u{E9}-\u{FFFF}", "workflows/caf\u{E9}-🩺"), ("workflows/caf\u{E9}-🩺", "workflows/caf\u{E9}-\u{FFFF}"),
    ])
    func keyOrderIsUTF16Order(left: String, right: String) {
        #expect(JavaScriptKeyOrder.precedes(left, right) == left.utf16.lexicographicallyPrecedes(right.utf16))
    }

    @Test func sortedEntriesFollowTheKeyOrder() {
        let object: [String: Int] = ["b": 1, "10": 2, "9": 3, "\u{FFFF}": 4, "🩺": 5, "a": 6]
        #expect(JavaScriptKeyOrder.sortedEntries(object).map(\.key) == JavaScriptKeyOrder.sorted(object.keys))
        #expect(JavaScriptKeyOrder.sortedEntries(object).map(\.value) == JavaScriptKeyOrder.sorted(object.keys).map { object[$0]! })
    }

    /// Plain integers are written as they are; every other literal goes through Double as before.
    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("7", "7"), ("-12", "-12"), ("123456789012345", "123456789012345"),
        ("1234567890123456", "1234567890123456"), ("12345678901234567890123", "1.2345678901234568e+22"), ("1.0", "1"),
        ("1e3", "1000"), ("00", "0"), ("-", "null"),
    ])
    func numbersAreWrittenAsJavaScriptWould(literal: String, expected: String) {
        #expect(JavaScriptNumberFormatter.jsonText(forLiteral: literal) == expected)
    }

    @Test(arguments: ["plain", "with \"quote\"", "back\\slash", "new\nline", "\u{1}", "é and 🩺", ""])
    func stringsWithoutEscapesAreCopiedWhole(text: String) throws {
        let written = CanonicalJSONWriter.compactBytes(.string(text))
        #expect(try JSONParser.parse(written) == .string(text))
    }

    @Test func aRepeatedKeyKeepsItsLastValueAtEveryDepth() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": {"c": 1, "c": 2, "d": {"e": 1}}, "a": 3}"#)
        #expect(value == ["a": 3, "b": ["c": 2, "d": ["e": 1]]])
    }
}
