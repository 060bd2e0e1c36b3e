import Foundation

/// Deterministic ids and timestamps, so that a seeded fake gives the same answers on every run.
struct FakeIdentity: Sendable {
    private var counter: UInt64
    private var seconds: Int

    init(seed: UInt64 = 0) {
        counter = seed << 32
        seconds = 1_767_225_600  // 2026-01-01T00:00:00Z
    }

    /// A version-4-shaped UUID made from a counter.
    mutating func nextID() -> String {
        counter &+= 1
        let digits = Array((String(repeating: "0", count: 32) + String(counter, radix: 16)).suffix(32))
        let hex = String(digits)
        func part(_ from: Int, _ to: Int) -> Substring {
            hex[hex.index(hex.startIndex, offsetBy: from)..<hex.index(hex.startIndex, offsetBy: to)]
        }
        return "\(part(0, 8))-\(part(8, 12))-4\(part(13, 16))-8\(part(17, 20))-\(part(20, 32))"
    }

    /// Each call is one second after the previous one.
    mutating func nextTimestamp() -> String {
        seconds += 1
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
