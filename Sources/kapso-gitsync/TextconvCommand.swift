import ArgumentParser
import Foundation
import WorkflowRepo

struct TextconvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "textconv",
        abstract: "Print a workflow file as lines a person reviews: git's diff driver for definition.json and workflow.yaml.",
        discussion: """
            Set up once per clone: `git config diff.kapso.textconv "kapso-gitsync textconv"`, and in .gitattributes:
            `workflows/*/definition.json diff=kapso` and `workflows/*/workflow.yaml diff=kapso`. Then `git diff` and
            `git log -p` show nodes, fields and prompt lines instead of JSON. A file that cannot be read is printed as it is.
            """)

    @Argument(help: "The file (git passes it).")
    var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("error: \(file): cannot be read\n".utf8))
            throw ExitCode.failure
        }
        let bytes = [UInt8](data)
        if let view = try? WorkflowTextView.render(fileName: file, bytes: bytes) {
            FileHandle.standardOutput.write(Data(view.utf8))
        } else {
            // Broken in this commit: git still gets something to diff, the file itself.
            FileHandle.standardOutput.write(data)
        }
    }
}
