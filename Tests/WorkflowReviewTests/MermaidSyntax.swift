/// A check of Mermaid flowchart text against the grammar subset `MermaidFlowchart` writes: the header,
/// node declarations with a quoted label in a matching pair of brackets, edges between declared nodes
/// with an optional quoted label, `classDef`, `class` and `linkStyle` naming what exists. No mermaid
/// parser runs here (it needs Node.js and a browser); this catches what would make one refuse the text.
enum MermaidSyntax {
    static func problems(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var problems: [String] = []
        guard lines.first == "flowchart TD" else { return ["the first line is not `flowchart TD`"] }
        guard lines.last == "" else { return ["no newline at the end"] }
        lines = Array(lines.dropFirst().dropLast())
        var declared = Set<String>()
        var classes = Set<String>()
        var edgeCount = 0
        let shapes: [(String, String)] = [("([", "])"), ("[[", "]]"), ("[", "]"), ("{", "}")]
        for (number, line) in lines.enumerated() {
            let place = "line \(number + 2): \(line)"
            guard line.hasPrefix("    "), !line.dropFirst(4).hasPrefix(" ") else {
                problems.append("\(place): not indented by four spaces")
                continue
            }
            let body = String(line.dropFirst(4))
            let words = body.split(separator: " ", maxSplits: 2).map(String.init)
            if body.hasPrefix("classDef ") {
                guard words.count == 3, !words[2].contains(" ") || words[2].contains("stroke-dasharray") else {
                    problems.append("\(place): a classDef is a name and a style")
                    continue
                }
                classes.insert(words[1])
            } else if body.hasPrefix("class ") {
                guard words.count == 3, classes.contains(words[2]),
                    words[1].split(separator: ",").allSatisfy({ declared.contains(String($0)) })
                else {
                    problems.append("\(place): a class names declared nodes and a defined class")
                    continue
                }
            } else if body.hasPrefix("linkStyle ") {
                guard words.count == 3, let index = Int(words[1]), index < edgeCount else {
                    problems.append("\(place): a linkStyle names an edge that exists")
                    continue
                }
            } else if let arrow = ["-->", "==>", "-.->"].first(where: { body.contains(" \($0)") }) {
                let parts = body.components(separatedBy: " \(arrow)")
                guard parts.count == 2, declared.contains(parts[0]) else {
                    problems.append("\(place): an edge from an undeclared node")
                    continue
                }
                var rest = parts[1]
                if rest.hasPrefix("|") {
                    guard rest.hasPrefix("|\""), let end = rest.range(of: "\"| ") else {
                        problems.append("\(place): an edge label is |\"…\"| and a space")
                        continue
                    }
                    let label = rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]
                    if label.contains("\"") || label.contains("|") { problems.append("\(place): a quote or bar inside an edge label") }
                    rest = String(rest[end.upperBound...])
                } else {
                    guard rest.hasPrefix(" ") else {
                        problems.append("\(place): no space after the arrow")
                        continue
                    }
                    rest.removeFirst()
                }
                if !declared.contains(rest) { problems.append("\(place): an edge to an undeclared node") }
                edgeCount += 1
            } else {
                guard
                    let id = body.split(separator: "[").first.flatMap({ $0.split(separator: "(").first }).flatMap({
                        $0.split(separator: "{").first
                    }),
                    id.allSatisfy({ $0.isLetter || $0.isNumber }), id.first == "n"
                else {
                    problems.append("\(place): not a node, edge, class or style line")
                    continue
                }
                let shape = String(body.dropFirst(id.count))
                guard let (open, close) = shapes.first(where: { shape.hasPrefix($0.0 + "\"") && shape.hasSuffix("\"" + $0.1) }) else {
                    problems.append("\(place): a node's label is quoted inside a pair of brackets")
                    continue
                }
                let label = shape.dropFirst(open.count + 1).dropLast(close.count + 1)
                if label.contains("\"") { problems.append("\(place): a quote inside a label") }
                if label.replacingOccurrences(of: "<br/>", with: "").contains(where: { $0 == "<" || $0 == ">" }) {
                    problems.append("\(place): markup inside a label")
                }
                if !declared.insert(String(id)).inserted { problems.append("\(place): declared twice") }
            }
        }
        return problems
    }
}
