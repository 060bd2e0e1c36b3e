import FlyingFox
import FlyingSocks

/// A response body that sends some bytes and then fails, so FlyingFox closes the connection
/// mid-answer: how the fake imitates a reset or a truncated body.
struct FailingBody: AsyncBufferedSequence {
    typealias Element = UInt8
    let bytes: [UInt8]
    /// Where the body stalls, once its bytes are sent, until the gate opens (a stalled answer).
    var stall: FakeGate?

    struct Cut: Error {}

    struct AsyncIterator: AsyncBufferedIteratorProtocol {
        var remaining: ArraySlice<UInt8>
        let stall: FakeGate?

        mutating func next() async throws -> UInt8? {
            guard let first = remaining.first else { throw await cut() }
            remaining = remaining.dropFirst()
            return first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            guard !remaining.isEmpty else { throw await cut() }
            let chunk = remaining.prefix(count)
            remaining = remaining.dropFirst(chunk.count)
            return chunk
        }

        private func cut() async -> Cut {
            await stall?.hold()
            return Cut()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: bytes[...], stall: stall)
    }
}
