import AMQP
import JobletCore
import Synchronization
import JobletMessaging
import Logging

/// The dispatcher's logic, independent of how it is run: validates and routes submissions,
/// records events, logs and dead letters in the job store, and answers queries.
/// `DispatcherService` feeds it deliveries; every handler acks only after its work is durable.
public final class Dispatcher: Sendable {
    public let config: DispatcherConfig
    public let store: JobStore
    public let registry: FleetRegistry
    /// The dispatcher's own broker user: what its publishes carry in `user_id`, and what workers trust.
    public let brokerUser: String
    /// Who is a worker, who is the dispatcher (docs/SECURITY.md).
    let trust: TrustPolicy
    /// Messages refused for their sender, counted per kind (`stats` query, metrics) and logged once per sender.
    public let refusals: RefusalLog
    /// What the metrics endpoint serves (`metrics.port` in dispatcher.yml).
    let metrics: DispatcherMetrics
    let logger: Logger
    /// Baseline for `unschedulable`: a restarted dispatcher has not seen any advert yet.
    let startedAt: Double
    /// Job queues this dispatcher declared: for the jobs it routes and for the fleet's adverts.
    let jobQueues: JobQueueDeclarations
    /// Jobs a submission handler is storing and routing right now (submissions run concurrently): a
    /// duplicate of one is answered but must not route it a second time.
    let routing = Mutex<Set<String>>([])
    /// One submission per submitter between its quota check and its insert.
    let quotaGate = QuotaGate()
    /// Runtime orders sent to workers to converge on the desired runtimes (Dispatcher+Converge).
    public let rollouts = RuntimeRollouts()
    /// Callers' runtime tests and deploys whose workers' reports the dispatcher passes on.
    public let relays = ReportRelays()

    public init(config: DispatcherConfig, store: JobStore, brokerUser: String, logger: Logger) {
        self.config = config
        self.store = store
        self.registry = FleetRegistry(expiryIntervals: config.workerExpiryIntervals)
        self.brokerUser = brokerUser
        self.trust = TrustPolicy(dispatcherUsers: [brokerUser], workerUserPrefix: config.workerUserPrefix)
        let metrics = DispatcherMetrics()
        self.metrics = metrics
        self.refusals = RefusalLog(logger: logger) { kind in metrics.recordRefused(kind: kind) }
        self.logger = logger
        self.startedAt = Clock.now
        self.jobQueues = JobQueueDeclarations(limit: config.maxJobQueues)
    }

    /// The metrics in Prometheus text, with the fleet and the store's active jobs read now. Blocking (a
    /// store read): only for the metrics server's own thread.
    func metricsText() -> String {
        metrics.prometheusText(workersLive: registry.live(now: Clock.now).count) {
            try store.activeJobCounts(states: DispatcherMetrics.activeStates)
        }
    }

    /// True when the request's `reply_to` is not the sender's to give (`ReplyAddress`): then it is
    /// dead-lettered with the reason and counted as a refusal, and nothing is sent anywhere.
    func refusedReplyAddress(_ delivery: Delivery, kind: RefusalLog.Kind, queue: String, on channel: AMQPChannel) async throws -> Bool {
        guard let reason = ReplyAddress.refusal(delivery.properties.replyTo) else { return false }
        refusals.refuse(kind, sender: delivery.properties.userID, reason: reason)
        try await channel.deadLetter(delivery, reason: reason, queue: queue)
        return true
    }

    /// Sends `value` to a request's `reply_to` (direct reply-to or a server-named queue), if it asked for a reply.
    func reply<T: Encodable>(_ value: T, type: String, to delivery: Delivery, on channel: AMQPChannel) {
        guard let replyTo = delivery.properties.replyTo, !replyTo.isEmpty else { return }
        do {
            let properties = Envelope.properties(
                type: type, correlationID: delivery.properties.correlationID,
                persistent: false)
            // Not waited for: the request's ack follows it on the channel anyway, and a reply lost with
            // the connection is a redelivered request (a duplicate submission) that gets one again.
            _ = channel.startPublish(try Envelope.encode(value), exchange: "", routingKey: replyTo, properties: properties)
        } catch {
            logger.warning("cannot send reply", metadata: ["reply_to": "\(replyTo)", "error": "\(error)"])
        }
    }

    /// Publishes a lifecycle event the dispatcher decided (queued, cancelled, lost, unschedulable) so
    /// followers such as `rnx run` see it like a worker's. Not waited for: the store already holds the
    /// state, and the event is a notification (a submission's reply need not wait for its confirm).
    /// Later publishes on the channel still follow it, so the reply never overtakes it. An end goes
    /// out as recorded too.
    func publishEvent(_ event: JobEvent, submitter: String, on channel: AMQPChannel) async {
        if event.state.isTerminal { publishRecorded(event, submitter: submitter, on: channel) }
        let receipt: PublishReceipt
        do {
            receipt = channel.startPublish(
                try Envelope.encode(event), exchange: Topology.eventsExchange,
                routingKey: Topology.eventRoutingKey(submitter: submitter, jobID: event.jobID, state: event.state),
                properties: Envelope.properties(type: MessageType.jobEvent))
        } catch {
            logger.warning("cannot encode event", metadata: ["job": "\(event.jobID)", "error": "\(error)"])
            return
        }
        let logger = self.logger
        Task {
            do {
                try await receipt.confirmed()
            } catch {
                logger.warning("cannot publish event", metadata: ["job": "\(event.jobID)", "error": "\(error)"])
            }
        }
    }

    /// An end the store recorded, for the job's followers (`recorded.<submitter>.<id>.<state>`, which
    /// only the dispatcher may publish): they take it as the record instead of asking for the status.
    /// Transient and not waited for: a follower that misses it (a dispatcher crash between the commit
    /// and this publish) asks for the status as before.
    func publishRecorded(_ event: JobEvent, submitter: String, on channel: AMQPChannel) {
        do {
            _ = channel.startPublish(
                try Envelope.encode(event), exchange: Topology.eventsExchange,
                routingKey: Topology.recordedRoutingKey(submitter: submitter, jobID: event.jobID, state: event.state),
                properties: Envelope.properties(type: MessageType.jobEvent, persistent: false))
        } catch {
            logger.warning("cannot encode event", metadata: ["job": "\(event.jobID)", "error": "\(error)"])
        }
    }
}
