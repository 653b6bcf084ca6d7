import AMQP
import JobletMessaging
import Logging

/// The job consumers, kept in line with what the worker wants (ConsumerPolicy) and with the holding
/// bound (ConsumerBooks): prefetch is 1 per consumer and there are at most `slots + queues - 1`
/// consumers, counting stopped ones whose deliveries are not settled yet, so the worker never holds
/// more unacknowledged deliveries than that. Several consumers on one queue let `slots` jobs of one
/// queue run at once.
actor ConsumerSet {
    private let channel: AMQPChannel
    private let logger: Logger
    private var books: ConsumerBooks
    /// New consumers are handed to the service, which iterates each in its task group.
    let started: AsyncStream<(queue: String, consumer: AMQPConsumer)>
    private let startedSink: AsyncStream<(queue: String, consumer: AMQPConsumer)>.Continuation
    /// Deliveries a quorum queue sent to a consumer after its cancel-ok: offered like any other (a
    /// reject would count as a failed delivery and, repeated, mark a job lost that never ran).
    nonisolated let late: AsyncStream<(queue: String, delivery: Delivery)>
    private let lateSink: AsyncStream<(queue: String, delivery: Delivery)>.Continuation

    init(channel: AMQPChannel, slots: Int, logger: Logger) {
        self.channel = channel
        self.logger = logger
        self.books = ConsumerBooks(slots: slots)
        (started, startedSink) = AsyncStream.makeStream(of: (queue: String, consumer: AMQPConsumer).self)
        (late, lateSink) = AsyncStream.makeStream(of: (queue: String, delivery: Delivery).self)
    }

    /// Takes the channel's late deliveries into `late`.
    func catchLateDeliveries() async throws {
        let sink = lateSink
        try await channel.setLateDeliveryHandler { queue, delivery in sink.yield((queue, delivery)) }
    }

    /// Cancels and starts consumers as `policy` wants for `queues`. Called from one loop only.
    func reconcile(queues: Set<String>, policy: ConsumerPolicy) async {
        let plan = books.plan(queues: queues, policy: policy)
        for tag in plan.cancel { await cancel(tag) }
        for start in plan.consume {
            do {
                let consumer = try await channel.consume(queue: start.queue, consumerTag: start.tag, bodyLimit: BodyLimits.job)
                startedSink.yield((start.queue, consumer))
            } catch {
                books.consumeFailed(start.tag)
                logger.warning("cannot consume; will retry", metadata: ["queue": "\(start.queue)", "error": "\(error)"])
            }
        }
    }

    /// The delivery of consumer `tag` is about to be settled: cancels the consumer first if the worker
    /// does not keep it (ConsumerBooks.settling), while its used-up prefetch keeps deliveries away.
    func beforeSettling(_ tag: String?) async {
        guard let tag, books.settling(tag) else { return }
        // Nothing can be on the way to it, so the settle need not wait for a cancel-ok: in a burst
        // of short jobs most settles cancel, and each wait blocked the connection's thread for a round trip.
        await cancel(tag, noWait: true)
    }

    private func cancel(_ tag: String, noWait: Bool = false) async {
        do {
            try await channel.cancel(consumerTag: tag, noWait: noWait)
        } catch {
            books.cancelFailed(tag)
            logger.warning("cannot cancel consumer; will retry", metadata: ["consumer": "\(tag)", "error": "\(error)"])
        }
    }

    /// A delivery of consumer `tag` was received (before it is offered to a slot).
    func delivered(_ tag: String?) { if let tag { books.delivered(tag) } }
    /// A delivery of consumer `tag` is settled, handed back, or stale (its connection is gone).
    func settled(_ tag: String?) { if let tag { books.settled(tag) } }
    /// Consumer `tag`'s sequence ended and every delivery on it was offered.
    func ended(_ tag: String) { books.ended(tag) }

    func finish() {
        startedSink.finish()
        lateSink.finish()
    }
}
