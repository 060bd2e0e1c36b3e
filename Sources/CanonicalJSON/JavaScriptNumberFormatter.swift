/// Prints a number the way JavaScript's `Number.prototype.toString()` (and so `JSON.stringify`) does.
///
/// The shortest round-trip digits come from Swift's `Double.description`, which has the same
/// contract as ECMAScript's Number::toString; only the layout rules (ECMA-262 §6.1.6.1.20) differ.
public enum JavaScriptNumberFormatter {
    /// The text `JSON.stringify(JSON.parse(literal))` produces: `null` where the value is not finite.
    public static func jsonText(forLiteral literal: String) -> String {
        if isPlainInteger(literal) { return literal }
        guard let value = Double(literal) else { return "null" }
        return jsonText(for: value)
    }

    /// `-?[1-9][0-9]{0,14}` or `0`: a Double holds it exactly and JavaScript prints it as written. Most
    /// numbers in a workflow are such (positions, counts), and this spares them a round trip through Double.
    static func isPlainInteger(_ literal: String) -> Bool {
        var utf8 = literal.utf8[...]
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        guard let first = utf8.first, utf8.count <= 15 else { return false }
        if first == UInt8(ascii: "0") { return literal.utf8.count == 1 }
        return utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    public static func jsonText(for value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        if value < 0 { return "-" + jsonText(for: -value) }
        let (digits, pointPosition) = shortestDigits(of: value)
        return layout(digits: digits, pointPosition: pointPosition)
    }

    /// The decimal digits `s` (no leading or trailing zeros) and `n` such that value = 0.s × 10^n.
    static func shortestDigits(of value: Double) -> (digits: [UInt8], pointPosition: Int) {
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for character in mantissa {
            if character == "." {
                seenPoint = true
                continue
            }
            guard let ascii = character.asciiValue else { continue }
            digits.append(ascii)
            if !seenPoint { integerDigits += 1 }
        }
        var pointPosition = integerDigits + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        return (digits, pointPosition)
    }

    private static func layout(digits: [UInt8], pointPosition n: Int) -> String {
        let k = digits.count
        let digitString = String(decoding: digits, as: UTF8.self)
        if k <= n && n <= 21 {
            return digitString + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(decoding: digits[0..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + digitString
        }
        let exponent = n - 1
        let exponentText = (exponent < 0 ? "-" : "+") + String(abs(exponent))
        if k == 1 {
            return digitString + "e" + exponentText
        }
        return String(decoding: digits[0..<1], as: UTF8.self) + "." + String(decoding: digits[1...], as: UTF8.self)
            + "e" + exponentText
    }
}
