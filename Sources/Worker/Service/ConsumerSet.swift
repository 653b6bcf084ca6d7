import AMQP
import JobletMessaging
import Logging

/// The job consumers, reconciled to what the worker wants: every target queue while a slot is free,
/// none otherwise. Prefetch is 1 per consumer, so at most one delivery per queue is in flight when
/// the last slot fills: the worker never holds more than slots + queues - 1 jobs.
actor ConsumerSet {
    private let channel: AMQPChannel
    private let logger: Logger
    /// queue -> consumer tag of the active consumers.
    private var active: [String: String] = [:]
    /// New consumers are handed to the service, which iterates each in its task group.
    let started: AsyncStream<(queue: String, consumer: AMQPConsumer)>
    private let startedSink: AsyncStream<(queue: String, consumer: AMQPConsumer)>.Continuation

    init(channel: AMQPChannel, logger: Logger) {
        self.channel = channel
        self.logger = logger
        (started, startedSink) = AsyncStream.makeStream(of: (queue: String, consumer: AMQPConsumer).self)
    }

    var activeQueues: [String] { active.keys.sorted() }

    /// Registers and cancels consumers until exactly `queues` are consumed. Called from one loop only.
    func reconcile(queues: Set<String>) async {
        for (queue, tag) in active where !queues.contains(queue) {
            do {
                try await channel.cancel(consumerTag: tag)
                active[queue] = nil
            } catch {
                logger.warning("cannot cancel consumer; will retry", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
        for queue in queues.sorted() where active[queue] == nil {
            do {
                let consumer = try await channel.consume(queue: queue)
                active[queue] = consumer.consumerTag
                startedSink.yield((queue, consumer))
            } catch {
                logger.warning("cannot consume; will retry", metadata: ["queue": "\(queue)", "error": "\(error)"])
            }
        }
    }

    func finish() { startedSink.finish() }
}
