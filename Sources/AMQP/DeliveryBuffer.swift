/// Deliveries of one consumer collected during one pump of the connection thread, handed to the
/// consumer's sequence as one batch: one stream hand-off (and at most one task wake-up) per batch
/// instead of per message. Touched only under the connection's state lock.
final class DeliveryBuffer: @unchecked Sendable {
    let continuation: AsyncThrowingStream<[Delivery], any Error>.Continuation
    private var pending: [Delivery] = []

    init(_ continuation: AsyncThrowingStream<[Delivery], any Error>.Continuation) {
        self.continuation = continuation
    }

    /// Adds a delivery; true when the buffer was empty (the caller schedules a flush).
    func append(_ d: Delivery) -> Bool {
        pending.append(d)
        return pending.count == 1
    }

    func flush() {
        guard !pending.isEmpty else { return }
        continuation.yield(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends the sequence after what is buffered (nil = normally).
    func finish(_ error: AMQPError?) {
        flush()
        continuation.finish(throwing: error)
    }
}
