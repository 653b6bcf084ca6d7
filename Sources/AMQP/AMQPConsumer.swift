/// The deliveries of one consumer. Survives reconnects (the consumer is re-registered and the
/// sequence continues with deliveries of the new generation); ends on cancel or close, and
/// throws when the channel is closed by the broker or the connection fails for good.
public struct AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = Delivery
    public let consumerTag: String
    let stream: AsyncThrowingStream<Delivery, any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<Delivery, any Error>.AsyncIterator
        public mutating func next() async throws -> Delivery? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }
}
