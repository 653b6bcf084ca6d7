/// The deliveries of one consumer. Survives reconnects (the consumer is re-registered and the
/// sequence continues with deliveries of the new generation); ends on cancel or close, and
/// throws when the channel is closed by the broker or the connection fails for good.
public struct AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public let consumerTag: String
    /// Deliveries arrive in batches (everything one pump of the connection thread read).
    let stream: AsyncThrowingStream<[Delivery], any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[Delivery], any Error>.AsyncIterator
        var batch: [Delivery] = []
        var index = 0

        public mutating func next() async throws -> Delivery? {
            if index < batch.count {
                index += 1
                return batch[index - 1]
            }
            // Batches are never empty; drop the old one before waiting so its bodies are freed.
            batch = []
            guard let next = try await base.next(), !next.isEmpty else { return nil }
            batch = next
            index = 1
            return next[0]
        }
    }

    /// The same deliveries a batch at a time, as one read of the connection thread brought them (never
    /// empty): for a consumer that settles many at once, e.g. in one store transaction. Iterate either
    /// this or the consumer itself, not both.
    public var batches: AsyncThrowingStream<[Delivery], any Error> { stream }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }
}
