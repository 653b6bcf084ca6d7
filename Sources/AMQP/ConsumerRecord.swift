/// A consumer registered on a channel; re-registered after every reconnect.
struct ConsumerRecord {
    /// Where deliveries go: an `AMQPConsumer`'s stream, or an internal handler (RPC replies).
    enum Sink {
        case stream(DeliveryBuffer)
        case handler(@Sendable (Delivery) -> Void)

        /// The broker counts deliveries as acked when sent: true for internal handlers (RPC replies
        /// from direct reply-to, which requires it); `AMQPConsumer`s ack.
        var noAck: Bool {
            if case .handler = self { true } else { false }
        }
    }

    var queue: String
    /// Unique on its channel; registered again under the same tag after a reconnect.
    var tag: String
    var exclusive: Bool
    /// basic.consume arguments (e.g. `x-stream-offset`), sent again with every re-registration.
    var arguments: FieldTable
    var sink: Sink
    /// Bodies larger than this are dropped as they are read (`Delivery.droppedBody`).
    var bodyLimit: Int = .max
    /// Runs once the consumer stops (cancelled, or its channel or connection closed), with the
    /// broker's error if there was one: an internal handler's only word that nothing more will come.
    var ended: (@Sendable (AMQPError?) -> Void)?

    /// Hands over a delivery; returns the buffer to flush at the end of the pump, if it just
    /// became non-empty.
    func deliver(_ d: Delivery) -> DeliveryBuffer? {
        switch sink {
        case .stream(let b): return b.append(d) ? b : nil
        case .handler(let h): h(d); return nil
        }
    }

    func finish(_ error: AMQPError?) {
        if case .stream(let b) = sink { b.finish(error) }
        ended?(error)
    }
}
