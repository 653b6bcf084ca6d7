/// A consumer registered on a channel; re-registered after every reconnect.
struct ConsumerRecord {
    /// Where deliveries go: an `AMQPConsumer`'s stream, or an internal handler (RPC replies).
    enum Sink {
        case stream(AsyncThrowingStream<Delivery, any Error>.Continuation)
        case handler(@Sendable (Delivery) -> Void)
    }

    var queue: String
    var tag: String
    var exclusive: Bool
    var noAck: Bool
    var arguments: FieldTable
    var sink: Sink

    func deliver(_ d: Delivery) {
        switch sink {
        case .stream(let c): c.yield(d)
        case .handler(let h): h(d)
        }
    }

    func finish(_ error: AMQPError?) {
        if case .stream(let c) = sink { c.finish(throwing: error) }
    }
}
