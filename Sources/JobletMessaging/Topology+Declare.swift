import AMQP
import JobletCore

/// Declares Joblet's exchanges and queues (docs/PROTOCOL.md). Every component declares what it
/// uses with these exact arguments, so declarations never conflict (a mismatch is a 406 from the broker).
extension Topology {
    /// Safety net for jobs bounced between dying workers. Per-job attempts are enforced by the
    /// worker from `max_attempts` (see `JobMessage`); this only stops a message looping forever.
    public static let jobDeliveryLimit: Int64 = 10

    /// Exchanges, the dead-letter queue, the submit queue and the RPC queue, and the `joblet.api`
    /// bindings clients publish through. Only the dispatcher's broker user may declare these.
    public static func declareCore(on channel: AMQPChannel) async throws {
        try await channel.declareExchange(deadLetterExchange, kind: .fanout, durable: true)
        try await channel.declareQueue(deadLetterQueue, durable: true, arguments: quorum)
        try await channel.bindQueue(deadLetterQueue, exchange: deadLetterExchange, routingKey: "")
        try await channel.declareExchange(jobsExchange, kind: .direct, durable: true)
        try await channel.declareExchange(eventsExchange, kind: .topic, durable: true)
        try await channel.declareExchange(logsExchange, kind: .topic, durable: true)
        try await channel.declareExchange(controlExchange, kind: .topic, durable: true)
        // Runtime packages in chunks (only admins may publish; docs/PROTOCOL.md, Deploying runtimes).
        try await channel.declareExchange(deployExchange, kind: .direct, durable: true)
        try await channel.declareQueue(submitQueue, durable: true, arguments: deadLettered)
        try await channel.declareQueue(rpcQueue, durable: true, arguments: rpcQueueArguments)
        try await channel.declareExchange(apiExchange, kind: .topic, durable: true)
        try await channel.bindQueue(submitQueue, exchange: apiExchange, routingKey: submitRoutingKey)
        try await channel.bindQueue(rpcQueue, exchange: apiExchange, routingKey: rpcRoutingKey)
    }

    /// The quorum queue of one `<runtime>@<arch>` target, bound to `joblet.jobs` under the target name.
    @discardableResult
    public static func declareJobQueue(target: String, on channel: AMQPChannel) async throws -> String {
        let queue = jobQueue(target: target)
        try await channel.declareQueue(queue, durable: true, arguments: jobQueueArguments)
        try await channel.bindQueue(queue, exchange: jobsExchange, routingKey: target)
        return queue
    }

    static let quorum: FieldTable = ["x-queue-type": .string("quorum")]

    static let deadLettered: FieldTable = [
        "x-queue-type": .string("quorum"),
        "x-dead-letter-exchange": .string(deadLetterExchange),
    ]

    public static let jobQueueArguments: FieldTable = [
        "x-queue-type": .string("quorum"),
        "x-delivery-limit": .int(jobDeliveryLimit),
        "x-dead-letter-exchange": .string(deadLetterExchange),
    ]

    /// Queries are worthless once their caller gave up: their messages expire. A quorum queue, so
    /// queries keep working while any majority of a cluster is up (a classic queue lives on one
    /// node; with that node down every query failed — found by FleetTests).
    static let rpcQueueArguments: FieldTable = ["x-queue-type": .string("quorum"), "x-message-ttl": .int(60_000)]
}
