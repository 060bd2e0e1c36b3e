/// A small linear congruential generator: the same seed gives the same sequence on every platform
/// and Swift version (the standard library's generators promise neither), so a failing seed replays.
public struct SeededRandom: Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    /// A number in `0..<bound`.
    public mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}
