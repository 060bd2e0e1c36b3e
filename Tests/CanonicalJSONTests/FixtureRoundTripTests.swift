import CanonicalJSON
import Foundation
import KapsoYAML
import TestSupport
import Testing

@Suite struct FixtureRoundTripTests {
    @Test(Fixtures.required) func fixturesArePresent() {
        #expect(Fixtures.folders.count >= 5, "expected the real-workflow fixtures at \(Fixtures.directory.path)")
    }

    @Test(Fixtures.required, arguments: Fixtures.folders)
    func definitionIsByteIdenticalAfterParseAndWrite(folder: URL) throws {
        let original = try Fixtures.bytes(folder.appendingPathComponent("definition.json"))
        let written = CanonicalJSONWriter.canonicalBytes(try JSONParser.parse(original))
        #expect(written == original, "\(folder.lastPathComponent)/definition.json differs after a round trip")
    }

    @Test(Fixtures.required, arguments: Fixtures.folders)
    func workflowYAMLIsByteIdenticalAfterParseAndWrite(folder: URL) throws {
        let original = try Fixtures.bytes(folder.appendingPathComponent("workflow.yaml"))
        let value = try YAMLNodeConverter.parse(String(decoding: original, as: UTF8.self))
        let written = CanonicalYAMLWriter.canonicalBytes(value)
        #expect(
            String(decoding: written, as: UTF8.self) == String(decoding: original, as: UTF8.self),
            "\(folder.lastPathComponent)/workflow.yaml differs after a round trip")
    }
}
