import CanonicalJSON
import KapsoYAML
import Testing

@Suite struct YAMLWriterTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("990310140831998", "\"990310140831998\""),
        ("true", "\"true\""),
        ("null", "\"null\""),
        ("1.5e3", "\"1.5e3\""),
        ("0x1F", "\"0x1F\""),
        ("", "\"\""),
        ("- dash", "\"- dash\""),
        ("key: value", "\"key: value\""),
        ("ends with colon:", "\"ends with colon:\""),
        ("has # hash", "\"has # hash\""),
        ("a#b", "a#b"),
        ("it's", "it's"),
        ("say \"hi\": now", "'say \"hi\": now'"),
        ("VIGI · Atención", "VIGI · Atención"),
        ("Report Delivery — WhatsApp Audit", "Report Delivery — WhatsApp Audit"),
        ("bell\u{7}", "\"bell\\a\""),
        ("trailing space ", "\"trailing space \""),
    ])
    func quotesOnlyWhenPlainWouldMisread(text: String, expected: String) throws {
        let yaml = CanonicalYAMLWriter.canonicalString(["name": .string(text)])
        #expect(yaml == "name: \(expected)\n")
        #expect(try YAMLNodeConverter.parse(yaml)["name"]?.stringValue == text)
    }

    /// Word keys take a shortcut; it must quote what the core schema would not read as a string.
    @Test func wordKeysArePlainUnlessTheyReadAsNullOrBooleans() {
        let value: JSONValue = [
            "true": 1, "null": 2, "name": 3, "Yes": 4, "a_b9": 5, "NULL": 6, "False": 7, "e1": 8, "_x": 9, "1a": 10, "a-b": 11,
        ]
        let expected = """
            1a: 10
            "False": 7
            "NULL": 6
            Yes: 4
            _x: 9
            a-b: 11
            a_b9: 5
            e1: 8
            name: 3
            "null": 2
            "true": 1

            """
        #expect(CanonicalYAMLWriter.canonicalString(value) == expected)
    }

    @Test func multiLineStringsBecomeLiteralBlocks() throws {
        for text in ["line one\nline two", "line one\nline two\n", "a\n\nb\n\n", "  indented\nnext"] {
            let yaml = CanonicalYAMLWriter.canonicalString(["description": .string(text)])
            #expect(yaml.hasPrefix("description: |"), "\(yaml)")
            #expect(try YAMLNodeConverter.parse(yaml)["description"]?.stringValue == text, "\(yaml)")
        }
    }

    @Test func longPlainValuesFoldAtEightyColumns() throws {
        let words = Array(repeating: "palabra", count: 30).joined(separator: " ")
        let yaml = CanonicalYAMLWriter.canonicalString(["description": .string(words)])
        for line in yaml.split(separator: "\n") {
            #expect(line.count <= 80, "line too long: \(line)")
        }
        #expect(yaml.split(separator: "\n").count > 1)
        #expect(try YAMLNodeConverter.parse(yaml)["description"]?.stringValue == words)
    }

    @Test func sequencesAreIndentedUnderTheirKey() {
        let value: JSONValue = [
            "triggers": [["triggerType": "api_call", "active": true], ["phoneNumberId": "1", "active": false]],
            "empty": [], "none": [:], "number": 5,
        ]
        let expected = """
            empty: []
            none: {}
            number: 5
            triggers:
              - active: true
                triggerType: api_call
              - active: false
                phoneNumberId: "1"

            """
        #expect(CanonicalYAMLWriter.canonicalString(value) == expected)
    }
}
