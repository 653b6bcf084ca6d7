import AMQP
import JobletCore

/// Declares Joblet's exchanges and queues (docs/PROTOCOL.md). Every component declares what it
/// uses with these exact arguments, so declarations never conflict (a mismatch is a 406 from the broker).
public enum JobletTopology {
    /// Safety net for jobs bounced between dying workers. Per-job attempts are enforced by the
    /// worker from `max_attempts` (see `JobMessage`); this only stops a message looping forever.
    public static let jobDeliveryLimit: Int64 = 10

    /// Exchanges, the dead-letter queue, the submit queue and the RPC queue, and the `joblet.api`
    /// bindings clients publish through. Only the dispatcher's broker user may declare these.
    public static func declareCore(on channel: AMQPChannel) async throws {
        try await channel.declareExchange(Topology.deadLetterExchange, kind: .fanout, durable: true)
        try await channel.declareQueue(Topology.deadLetterQueue, durable: true, arguments: quorum)
        try await channel.bindQueue(Topology.deadLetterQueue, exchange: Topology.deadLetterExchange, routingKey: "")
        try await channel.declareExchange(Topology.jobsExchange, kind: .direct, durable: true)
        try await channel.declareExchange(Topology.eventsExchange, kind: .topic, durable: true)
        try await channel.declareExchange(Topology.logsExchange, kind: .topic, durable: true)
        try await channel.declareExchange(Topology.controlExchange, kind: .topic, durable: true)
        // Runtime packages in chunks (only admins may publish; docs/PROTOCOL.md, Deploying runtimes).
        try await channel.declareExchange(Topology.deployExchange, kind: .direct, durable: true)
        try await channel.declareQueue(Topology.submitQueue, durable: true, arguments: deadLettered)
        try await channel.declareQueue(Topology.rpcQueue, durable: true, arguments: rpcQueueArguments)
        try await channel.declareExchange(Topology.apiExchange, kind: .topic, durable: true)
        try await channel.bindQueue(Topology.submitQueue, exchange: Topology.apiExchange, routingKey: Topology.submitRoutingKey)
        try await channel.bindQueue(Topology.rpcQueue, exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey)
    }

    /// The quorum queue of one `<runtime>@<arch>` target, bound to `joblet.jobs` under the target name.
    @discardableResult
    public static func declareJobQueue(target: String, on channel: AMQPChannel) async throws -> String {
        let queue = "\(Topology.jobsExchange).\(target)"
        try await channel.declareQueue(queue, durable: true, arguments: jobQueueArguments)
        try await channel.bindQueue(queue, exchange: Topology.jobsExchange, routingKey: target)
        return queue
    }

    static let quorum: FieldTable = ["x-queue-type": .string("quorum")]

    static let deadLettered: FieldTable = [
        "x-queue-type": .string("quorum"),
        "x-dead-letter-exchange": .string(Topology.deadLetterExchange),
    ]

    public static let jobQueueArguments: FieldTable = [
        "x-queue-type": .string("quorum"),
        "x-delivery-limit": .int(jobDeliveryLimit),
        "x-dead-letter-exchange": .string(Topology.deadLetterExchange),
    ]

    /// Queries are worthless once their caller gave up: their messages expire. A quorum queue, so
    /// queries keep working while any majority of a cluster is up (a classic queue lives on one
    /// node; with that node down every query failed — found by FleetTests).
    static let rpcQueueArguments: FieldTable = ["x-queue-type": .string("quorum"), "x-message-ttl": .int(60_000)]
}
