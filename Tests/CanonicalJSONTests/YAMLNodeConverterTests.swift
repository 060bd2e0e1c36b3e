import CanonicalJSON
import KapsoYAML
import Testing

/// `workflow.yaml` is read under the YAML 1.2 core schema by the converter itself (Yams only composes
/// nodes, with its basic resolver): each plain scalar must become what the core schema says, and a
/// mapping must not give one key twice, however the key is written.
@Suite struct YAMLNodeConverterTests {
    @Test(arguments: [
        ("a: ~", JSONValue.null), ("a: null", .null), ("a: NULL", .null), ("a:", .null), ("a: true", .bool(true)),
        ("a: False", .bool(false)), ("a: yes", .string("yes")), ("a: 12", .number(JSONNumber(literal: "12"))),
        ("a: -1.5e3", .number(JSONNumber(literal: "-1.5e3"))), ("a: 0x1F", .string("0x1F")), ("a: .inf", .string(".inf")),
        ("a: '12'", .string("12")), ("a: \"true\"", .string("true")), ("a: 2026-01-01", .string("2026-01-01")),
        ("a: [1, b, null]", .array([.number(JSONNumber(literal: "1")), .string("b"), .null])), ("a: {}", .object([:])),
    ])
    func plainScalarsResolveUnderTheCoreSchema(yaml: String, value: JSONValue) throws {
        #expect(try YAMLNodeConverter.parse(yaml) == .object(["a": value]))
    }

    @Test(arguments: ["a: 1\na: 2\n", "1: x\n'1': y\n", "n: {k: 1, \"k\": 2}\n"])
    func aKeyGivenTwiceIsAnError(yaml: String) {
        #expect(throws: (any Error).self) { try YAMLNodeConverter.parse(yaml) }
    }

    @Test func anEmptyDocumentIsNull() throws {
        #expect(try YAMLNodeConverter.parse("") == .null)
    }
}
