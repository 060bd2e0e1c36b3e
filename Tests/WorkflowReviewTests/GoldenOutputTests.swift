import Foundation
import TestSupport
import Testing
import WorkflowMerge
import WorkflowReview

/// Every output a reviewer reads (the diff as text, Markdown and JSON; the graph as Mermaid and DOT),
/// of one edit that makes every kind of change, compared with the files in `Golden/`. After a change
/// meant to alter them: `UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests`, then read the diff.
@Suite struct GoldenOutputTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let updating = ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"

    /// The outputs of one sample: file extension → text.
    static func outputs(
        name: String, before: WorkflowMerge.Workflow, after: WorkflowMerge.Workflow, budget: Int
    )
        throws -> [String: String]
    {
        let diff = WorkflowDiff.between(before, after)
        let report = WorkflowDiffReport(folders: [.init(slug: name, status: "changed", diff: diff)])
        let graph = WorkflowGraph(after, against: before).withinBudget(budget)
        return [
            "txt": report.text(), "md": report.markdown(), "json": try report.json(), "mmd": MermaidFlowchart.render(graph),
            "dot": DOTGraph.render(graph, name: name),
        ]
    }

    static func compare(name: String, outputs: [String: String]) throws {
        for (fileExtension, text) in outputs.sorted(by: { $0.key < $1.key }) {
            let url = directory.appendingPathComponent("\(name).\(fileExtension)")
            if updating {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
                continue
            }
            let expected = FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) }
            #expect(expected != nil, "no golden file \(url.lastPathComponent): run with UPDATE_GOLDEN=1 and read it")
            if let expected { #expect(text == expected, "\(url.lastPathComponent) differs from its golden file") }
        }
    }

    static func check(_ samples: [(name: String, workflow: WorkflowMerge.Workflow)], budget: Int = WorkflowGraph.defaultBudget) throws {
        for sample in samples {
            let outputs = try outputs(
                name: sample.name, before: sample.workflow, after: ReviewSamples.edited(sample.workflow), budget: budget)
            try compare(name: sample.name, outputs: outputs)
            #expect(MermaidSyntax.problems(outputs["mmd"]!) == [], "\(sample.name).mmd")
        }
    }

    @Test func theDemoWorkflows() throws {
        try Self.check(try ReviewSamples.demo)
    }

    @Test func generatedWorkflowsSmallAndPastTheNodeBudget() throws {
        try Self.check([("generated-8", ReviewSamples.generated(nodes: 8)), ("generated-200", ReviewSamples.generated(nodes: 200))])
    }

    @Test(Fixtures.required) func theRealWorkflowsTheCLIWrote() throws {
        try Self.check(try ReviewSamples.realWorkflows)
        try Self.check(
            try ReviewSamples.realWorkflows.filter { $0.name == "real-vigi-atencion" }.map { ("\($0.name)-budget-20", $0.workflow) },
            budget: 20)
    }

    /// Graphviz's own `dot` reads every golden DOT graph without an error or a warning.
    @Test(.enabled(if: GraphvizDot.path != nil, "needs Graphviz's dot (Debian's graphviz); make test installs it"))
    func everyDOTGraphPassesDot() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".dot") }.sorted()
        #expect(files.count >= 5)
        for file in files {
            let result = try await runProcess(
                URL(fileURLWithPath: GraphvizDot.path!), ["-Tsvg", "-o", "/dev/null", Self.directory.appendingPathComponent(file).path])
            #expect(result.status == 0 && result.standardError.isEmpty, "\(file): \(result.standardError)")
        }
    }
}
