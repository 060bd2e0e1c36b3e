import FlyingFox
import FlyingSocks

/// A response body that sends some bytes and then fails, so FlyingFox closes the connection
/// mid-answer: how the fake imitates a reset or a truncated body.
struct FailingBody: AsyncBufferedSequence {
    typealias Element = UInt8
    let bytes: [UInt8]

    struct Cut: Error {}

    struct AsyncIterator: AsyncBufferedIteratorProtocol {
        var remaining: ArraySlice<UInt8>

        mutating func next() async throws -> UInt8? {
            guard let first = remaining.first else { throw Cut() }
            remaining = remaining.dropFirst()
            return first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            guard !remaining.isEmpty else { throw Cut() }
            let chunk = remaining.prefix(count)
            remaining = remaining.dropFirst(chunk.count)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: bytes[...])
    }
}
