import AMQP
import JobletCore
import JobletMessaging

/// The dispatcher's own durable queues: events, logs and dead letters wait here while it restarts.
public enum DispatcherQueues {
    /// The job events workers report, from `joblet.events` (quorum; `recordedEventKeys`).
    public static let events = "joblet.dispatcher.events"
    /// Every chunk from `joblet.logs` (quorum).
    public static let logs = "joblet.dispatcher.logs"
    /// A copy of everything dead-lettered to the `joblet.dead` fanout (the `joblet.dead` queue itself
    /// stays for people to inspect).
    public static let dead = "joblet.dispatcher.dead"

    /// States only the dispatcher decides: it publishes them for followers and never records them from
    /// an event, so they are not bound (each was a quorum write and a delivery per job for nothing).
    static let decidedStates: Set<JobState> = [.queued, .lost, .unschedulable]

    /// `job.<submitter>.<id>.<state>` for every state a worker reports.
    static var recordedEventKeys: [String] {
        JobState.allCases.filter { !decidedStates.contains($0) }.map(Topology.eventStateKey(state:))
    }

    static let quorum: FieldTable = ["x-queue-type": .string("quorum")]

    /// Declares the core topology plus the dispatcher's queues and bindings.
    public static func declare(on channel: AMQPChannel) async throws {
        try await Topology.declareCore(on: channel)
        try await channel.declareQueue(events, durable: true, arguments: quorum)
        // Before: `job.#`, which brought the dispatcher's own notifications back (unbinding is idempotent).
        try await channel.unbindQueue(events, exchange: Topology.eventsExchange, routingKey: "job.#")
        for key in recordedEventKeys {
            try await channel.bindQueue(events, exchange: Topology.eventsExchange, routingKey: key)
        }
        try await channel.declareQueue(logs, durable: true, arguments: quorum)
        try await channel.bindQueue(logs, exchange: Topology.logsExchange, routingKey: "#")
        try await channel.declareQueue(dead, durable: true, arguments: quorum)
        try await channel.bindQueue(dead, exchange: Topology.deadLetterExchange, routingKey: "")
    }

    /// A private queue for workers' reports on runtime commands (`worker.*.report` on
    /// `joblet.events`). Only worth something live.
    public static func declareReports(on channel: AMQPChannel) async throws -> String {
        let name = "joblet.dispatcher.reports." + JobID.short(JobID.generate())
        try await channel.declareQueue(
            name, durable: false, exclusive: true, autoDelete: true,
            arguments: ["x-message-ttl": .int(300_000), "x-max-length": .int(10_000)])
        try await channel.bindQueue(name, exchange: Topology.eventsExchange, routingKey: Topology.reportFollowAllKey)
        return name
    }

    /// A private queue for adverts: they are only worth something live, so nothing durable.
    public static func declareAdverts(on channel: AMQPChannel) async throws -> String {
        let name = "joblet.dispatcher.adverts." + JobID.short(JobID.generate())
        try await channel.declareQueue(
            name, durable: false, exclusive: true, autoDelete: true,
            arguments: ["x-message-ttl": .int(30_000)])
        try await channel.bindQueue(name, exchange: Topology.eventsExchange, routingKey: Topology.advertFollowAllKey)
        return name
    }
}
