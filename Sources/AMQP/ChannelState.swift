/// Everything the loop thread knows about one channel; survives reconnects.
final class ChannelState {
    let id: UInt16
    /// Open on the current connection.
    var isOpen = false
    /// Set once the channel is closed for good (by the user or by the broker).
    var closedError: AMQPError?
    /// `close(noWait: true)` sent channel.close and the close-ok has not come: the id stays taken
    /// until it does, and deliveries still on their way are dropped (the broker requeues them).
    var closing = false
    var prefetch: UInt16?
    var confirms = false
    var topology: [TopologyRecord] = []
    var consumers: [String: ConsumerRecord] = [:]
    /// Queues of consumers cancelled on this connection, by tag (the latest `cancelledLimit`): a
    /// quorum queue may deliver to a consumer after its cancel-ok (rabbitmq-server#3729).
    var cancelled: [String: String] = [:]
    private var cancelledOrder: [String] = []
    static let cancelledLimit = 1024
    /// Takes deliveries for cancelled consumers; without one they are rejected back to their queue.
    var lateDeliveryHandler: (@Sendable (_ queue: String, _ delivery: Delivery) -> Void)?
    /// Deliveries rejected back to their queue because no consumer or late-delivery handler took them.
    var rejectedUnclaimed = 0
    /// Confirm sequence numbers of the current connection generation.
    var nextSeq: UInt64 = 1
    var lowestUnconfirmed: UInt64 = 1
    var unconfirmed: [UInt64: PendingPublish] = [:]
    /// Publishes waiting for a connection (new ones while disconnected, unconfirmed ones to re-send).
    var outbox: [PendingPublish] = []
    /// basic.return messages waiting for the confirm that follows them.
    var pendingReturns: [ReturnedMessage] = []
    /// The routing key of the last delivery, reused while it repeats (saves a String per delivery).
    var lastRoutingKey: String?
    /// basic.get calls waiting for get-ok or get-empty, oldest first.
    var pendingGets: [PendingGet] = []

    init(id: UInt16) { self.id = id }

    /// Forgets a consumer the user cancelled, remembering its queue for late deliveries.
    func removeCancelled(_ tag: String) -> ConsumerRecord? {
        guard let record = consumers.removeValue(forKey: tag) else { return nil }
        cancelled[tag] = record.queue
        cancelledOrder.append(tag)
        if cancelledOrder.count > Self.cancelledLimit { cancelled[cancelledOrder.removeFirst()] = nil }
        return record
    }

    /// A new connection: nothing of the old one's consumers can arrive any more.
    func forgetCancelled() {
        cancelled.removeAll()
        cancelledOrder.removeAll()
    }

    /// Closed for good (by the user, the broker or the connection's end): publishes not confirmed
    /// or not sent yet fail with `error`, as does every later call; consumers end, normally when
    /// `consumerError` is nil.
    func end(_ error: AMQPError, consumersEndWith consumerError: AMQPError?) {
        closedError = error
        let pending = takeUnconfirmed() + outbox
        outbox.removeAll()
        for p in pending { p.complete(.failure(error)) }
        for c in consumers.values { c.finish(consumerError) }
        consumers.removeAll()
        failGets(error)
    }

    /// Answers every waiting basic.get with `error` (the channel or its connection ended before the broker did).
    func failGets(_ error: AMQPError) {
        let gets = pendingGets
        pendingGets.removeAll()
        for get in gets { get.complete(.failure(error)) }
    }

    /// Unconfirmed publishes in publish order, removed from the confirm table (for re-sending).
    func takeUnconfirmed() -> [PendingPublish] {
        let ordered = unconfirmed.keys.sorted().compactMap { unconfirmed[$0] }
        unconfirmed.removeAll(keepingCapacity: true)
        nextSeq = 1
        lowestUnconfirmed = 1
        pendingReturns.removeAll()
        return ordered
    }
}
