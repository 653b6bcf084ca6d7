import AMQP
import AsyncAlgorithms
import JobletCore
import JobletMessaging
import JobletMetrics
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the dispatcher against the broker as a swift-service-lifecycle `Service`: one connection,
/// one channel per consumer (submissions, events, adverts, logs, dead letters, queries) and a
/// periodic sweep. On graceful shutdown it stops taking deliveries, lets the ones in hand finish
/// (they are acked only when durable), and closes; anything unacked is redelivered to the next run.
public final class DispatcherService: Service, Sendable {
    public let dispatcher: Dispatcher
    let configuration: AMQPConfiguration
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let inFlight = Atomic<Int>(0)

    /// `configuration` comes from `BrokerSettings.configuration` (credentials, TLS, EXTERNAL login,
    /// publishes stamped with the dispatcher's user); its user must be `dispatcher.brokerUser`.
    public init(dispatcher: Dispatcher, configuration: AMQPConfiguration, logger: Logger) {
        self.dispatcher = dispatcher
        self.configuration = configuration
        self.logger = logger
    }

    struct ShutdownComplete: Error {}

    public func run() async throws {
        var configuration = self.configuration
        configuration.heartbeat = 30
        let connection = try await AMQPConnection.connect(configuration)
        let setup = try await connection.openChannel()
        try await DispatcherQueues.declare(on: setup)
        let advertQueue = try await DispatcherQueues.declareAdverts(on: setup)
        let reportQueue = try await DispatcherQueues.declareReports(on: setup)

        let dispatcher = self.dispatcher
        // Each queue's prefetch times its body limit bounds what the dispatcher holds of it, whatever a
        // hostile sender publishes (docs/DESIGN.md, "What a message may cost").
        let submissionLimit = BodyLimits.submission(maxUpload: Int(dispatcher.config.maxUpload.bytes))
        let consumers: [(queue: String, prefetch: UInt16, bodyLimit: Int, handling: Handling)] = [
            // Submissions overlap their store writes and confirm waits (Dispatcher.routing keeps a duplicate
            // from routing its original twice). At most 128 MiB of them received (SubmissionPrefetch), and
            // bodies of up to 32 MiB handled at once: a few maximal uploads, or many small submissions.
            (
                Topology.submitQueue, SubmissionPrefetch.count(bodyLimit: submissionLimit), submissionLimit,
                .concurrent({ try await dispatcher.handleSubmission($0, on: $1) }, budget: ByteBudget(limit: 32 << 20))
            ),
            // Events are stored a batch per transaction: the worker's two events of every job.
            (DispatcherQueues.events, 200, BodyLimits.event, .batch { try await dispatcher.handleEvents($0, on: $1) }),
            (advertQueue, 20, BodyLimits.advert, .each { try await dispatcher.handleAdvert($0, on: $1) }),
            // Log chunks likewise: a batch per transaction and per ack. 32 in hand: 32 MiB at the workers'
            // default 1M chunks, 256 MiB at their largest.
            (DispatcherQueues.logs, 32, BodyLimits.logChunk, .batch { try await dispatcher.handleLogChunks($0, on: $1) }),
            // Dead letters are rare, and may be whole job messages.
            (DispatcherQueues.dead, 2, BodyLimits.job, .each { try await dispatcher.handleDeadLetter($0, on: $1) }),
            (Topology.rpcQueue, 32, BodyLimits.small, .each { try await dispatcher.handleQuery($0, on: $1) }),
            // Reports are few and handled one by one: 8 in hand, 4 MiB at most.
            (reportQueue, 8, BodyLimits.report, .each { try await dispatcher.handleWorkerReport($0, on: $1) }),
        ]
        let sweepChannel = try await connection.openChannel()
        try await sweepChannel.enableConfirms()
        try await dispatcher.routeStoredJobs(on: sweepChannel)
        var channels: [AMQPChannel] = []
        for _ in consumers {
            let channel = try await connection.openChannel()
            try await channel.enableConfirms()
            channels.append(channel)
        }
        // Its own thread: a scrape reads the store, which must not block the cooperative pool.
        let metricsServer = try dispatcher.config.metrics?.serve(logger: logger) { dispatcher.metricsText() }
        defer { metricsServer?.stop() }
        logger.info("dispatcher ready", metadata: ["store": "\(dispatcher.store.path)"])

        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, consumer) in consumers.enumerated() {
                    let channel = channels[index]
                    group.addTask {
                        try await self.consume(
                            consumer.queue, prefetch: consumer.prefetch, bodyLimit: consumer.bodyLimit, on: channel,
                            handling: consumer.handling)
                    }
                }
                group.addTask { try await self.sweepLoop(on: sweepChannel) }
                group.addTask {
                    // Graceful shutdown: stop taking deliveries, wait for the ones in hand, then end.
                    try? await gracefulShutdown()
                    self.stopping.store(true, ordering: .sequentiallyConsistent)
                    self.logger.info("shutting down: finishing deliveries in hand")
                    var waited = 0
                    while self.inFlight.load(ordering: .sequentiallyConsistent) > 0 && waited < 500 {
                        try? await Task.sleep(for: .milliseconds(10))
                        waited += 1
                    }
                    throw ShutdownComplete()
                }
                try await group.next()
                group.cancelAll()
            }
        } catch is ShutdownComplete {
            // Routed marks not waited for (`markRoutedSoon`) are on disk before the process ends.
            await dispatcher.store.settleWrites()
            logger.info("dispatcher stopped")
        } catch {
            await dispatcher.store.settleWrites()
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// How a queue's deliveries are handled: one at a time, each in its own task (as many at once as the
    /// queue's prefetch lets in), or a batch (what one read brought) at a time.
    enum Handling: Sendable {
        case each(@Sendable (Delivery, AMQPChannel) async throws -> Void)
        /// As many at once as the prefetch lets in and the bodies fit in the budget.
        case concurrent(@Sendable (Delivery, AMQPChannel) async throws -> Void, budget: ByteBudget)
        /// The handler settles every delivery of the batch, also when it throws.
        case batch(@Sendable ([Delivery], AMQPChannel) async throws -> Void)
    }

    private func consume(_ queue: String, prefetch: UInt16, bodyLimit: Int, on channel: AMQPChannel, handling: Handling) async throws {
        try await channel.qos(prefetchCount: prefetch)
        if queue == Topology.submitQueue {
            // Let the fleet's adverts arrive before routing anything.
            try await Task.sleep(for: .milliseconds(Int(dispatcher.config.fleetWarmup.seconds * 1000)))
        }
        let consumer = try await channel.consume(queue: queue, bodyLimit: bodyLimit)
        try await withThrowingDiscardingTaskGroup { group in
            for try await batch in consumer.batches {
                if stopping.load(ordering: .sequentiallyConsistent) { break }
                switch handling {
                case .batch(let handler):
                    try await inHand {
                        do {
                            try await handler(batch, channel)
                        } catch {
                            try await handled(error, queue: queue, requeue: nil, on: channel)
                        }
                    }
                case .each(let handler):
                    for delivery in batch {
                        // Stopping: what is left of the batch stays unacked and goes to the next run.
                        if stopping.load(ordering: .sequentiallyConsistent) { break }
                        try await inHand { try await handle(delivery, with: handler, queue: queue, on: channel) }
                    }
                case .concurrent(let handler, let budget):
                    for delivery in batch {
                        if stopping.load(ordering: .sequentiallyConsistent) { break }
                        let bytes = delivery.body.count
                        await budget.acquire(bytes)
                        inFlight.add(1, ordering: .sequentiallyConsistent)
                        group.addTask {
                            defer {
                                budget.release(bytes)
                                self.inFlight.subtract(1, ordering: .sequentiallyConsistent)
                            }
                            try await self.handle(delivery, with: handler, queue: queue, on: channel)
                        }
                    }
                }
            }
        }
        // Only reached when stopping: keep the task alive until the group ends.
        while !Task.isCancelled { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// Counts `body` as deliveries in hand, which a graceful shutdown waits for.
    private func inHand(_ body: () async throws -> Void) async throws {
        inFlight.add(1, ordering: .sequentiallyConsistent)
        defer { inFlight.subtract(1, ordering: .sequentiallyConsistent) }
        try await body()
    }

    private func handle(
        _ delivery: Delivery, with handler: @Sendable (Delivery, AMQPChannel) async throws -> Void, queue: String,
        on channel: AMQPChannel
    ) async throws {
        do {
            try await handler(delivery, channel)
        } catch {
            try await handled(error, queue: queue, requeue: delivery, on: channel)
        }
    }

    /// Logs a handler's failure and hands `requeue` back to the queue (a batch handler has settled its
    /// own); after a store failure, pauses a second before the next delivery.
    private func handled(_ error: any Error, queue: String, requeue: Delivery?, on channel: AMQPChannel) async throws {
        if let error = error as? AMQPError, error.code == .staleDelivery || error.code == .connectionLost {
            // The broker redelivers it after the reconnect.
            logger.warning("delivery dropped by a reconnect; it will be redelivered", metadata: ["queue": "\(queue)"])
            return
        }
        if let delivery = requeue { try? await channel.nack(delivery, requeue: true) }
        if let error = error as? DispatcherError, error.code == .io {
            // The store failed: the message went back rather than being lost.
            logger.error("job store failure; message requeued", metadata: ["queue": "\(queue)", "error": "\(error)"])
            try await Task.sleep(for: .seconds(1))
        } else {
            logger.error("cannot handle delivery; requeued", metadata: ["queue": "\(queue)", "error": "\(error)"])
        }
    }

    private func sweepLoop(on channel: AMQPChannel) async throws {
        let period = max(0.2, min(5, dispatcher.config.unschedulableAfter.seconds / 4))
        for await _ in AsyncTimerSequence(interval: .milliseconds(Int(period * 1000)), clock: .continuous) {
            if stopping.load(ordering: .sequentiallyConsistent) { continue }
            do {
                try await dispatcher.sweepUnschedulable(on: channel)
            } catch {
                logger.warning("unschedulable sweep failed", metadata: ["error": "\(error)"])
            }
            do {
                try await dispatcher.convergeRuntimes(on: channel)
            } catch {
                logger.warning("runtime convergence failed", metadata: ["error": "\(error)"])
            }
        }
        // The timer ends quietly on cancellation; end as the sleep did, with CancellationError.
        try Task.checkCancellation()
    }
}
