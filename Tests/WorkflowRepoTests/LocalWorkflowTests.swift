import CanonicalJSON
import Foundation
import TestSupport
import Testing
import WorkflowRepo

@Suite struct LocalWorkflowTests {
    @Test(Fixtures.required, arguments: Fixtures.folders)
    func theCLIsFilesAreAlreadyCanonical(folder: URL) throws {
        let definition = try Fixtures.bytes(folder.appendingPathComponent("definition.json"))
        let yaml = try Fixtures.bytes(folder.appendingPathComponent("workflow.yaml"))
        let slug = try #require(String(decoding: yaml, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("slug: ") }?.dropFirst(6))
        let local = try LocalWorkflow.read(folder: String(slug), definitionJSON: definition, workflowYAML: yaml)
        #expect(local.files.definitionJSON == definition)
        #expect(local.files.workflowYAML == yaml)
    }

    @Test func aReformattedFileHasTheSameCanonicalHash() throws {
        let canonical = try LocalWorkflow.read(
            folder: "a",
            definitionJSON: Array(
                "{\n  \"edges\": [],\n  \"nodes\": [\n    {\n      \"id\": \"start\",\n      \"x\": 1\n    }\n  ]\n}\n".utf8),
            workflowYAML: Array("name: A\nslug: a\nstatus: draft\n".utf8))
        let reformatted = try LocalWorkflow.read(
            folder: "a", definitionJSON: Array(#"{"nodes":[{"x":1.0,"id":"start"}],"edges":[]}"#.utf8),
            workflowYAML: Array("status: 'draft'\nslug: a\nname: \"A\"\n".utf8))
        #expect(reformatted.hashes == canonical.hashes)
    }

    @Test(arguments: [
        ("{", "name: A\n", "workflows/a/definition.json: invalid JSON at line 1, column 2"),
        ("[]", "name: A\n", "workflows/a/definition.json: must be a JSON object"),
        ("{}", "name: [\n", "workflows/a/workflow.yaml: not valid YAML"),
        ("{}", "- a\n", "workflows/a/workflow.yaml: must be a mapping"),
        ("{}", "slug: b\n", "workflows/a/workflow.yaml: slug \"b\" differs from its folder a"),
    ])
    func brokenFilesAreNamed(definition: String, yaml: String, message: String) {
        #expect {
            try LocalWorkflow.read(folder: "a", definitionJSON: Array(definition.utf8), workflowYAML: Array(yaml.utf8))
        } throws: { error in
            (error as? LayoutError)?.description.hasPrefix(message) == true
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: LayoutError.invalidFile(path: "workflows/a/workflow.yaml", detail: "missing")) {
            try LocalWorkflow.read(folder: "a", definitionJSON: Array("{}".utf8), workflowYAML: nil)
        }
    }
}
