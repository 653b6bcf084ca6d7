import AMQP
import JobletCore

/// A follower's private queue on `joblet.logs` and `joblet.events`: exclusive, server-named, deleted
/// with the connection, consumed with a prefetch window and acked as it is read, so neither the broker
/// (unacked deliveries) nor the client (its inbox) holds more than a window of a long log (64 chunks,
/// 16 MiB at the workers' default 256K chunks).
///
/// `submitAndFollow` (`rnx run`) opens it BEFORE submitting, bound to all of the submitter's jobs: the
/// job cannot print before the bind, so its whole output arrives live. Once the reply names the job,
/// `narrow(to:)` binds that job's keys and drops the wide ones; other jobs' messages read meanwhile are
/// ignored by id. `follow` (`rnx logs -f`) attaches to a job that may have printed already: it binds
/// that job only and takes the past from the dispatcher's history.
struct FollowSubscription {
    /// Deliveries in flight to the client; acks go back every `ackEvery`, well inside the window.
    static let prefetch: UInt16 = 64
    static let ackEvery = 16

    let channel: AMQPChannel
    let queue: String
    let consumer: AMQPConsumer
    let submitter: String
    let logs: Bool
    /// Bound before the job was submitted: no chunk of it can have been published before the bind.
    let boundBeforeJob: Bool

    /// Bound to every job of `submitter`, before a submission.
    static func beforeSubmission(_ client: ClusterClient, submitter: String, logs: Bool = true) async throws -> FollowSubscription {
        try await open(
            client, submitter: submitter, logs: logs, boundBeforeJob: true,
            logKey: Topology.logFollowAllKey(submitter: submitter),
            eventKey: Topology.eventFollowAllKey(submitter: submitter))
    }

    /// Bound to one job that already exists.
    static func job(_ jobID: String, client: ClusterClient, submitter: String, logs: Bool) async throws -> FollowSubscription {
        try await open(
            client, submitter: submitter, logs: logs, boundBeforeJob: false,
            logKey: Topology.logFollowKey(submitter: submitter, jobID: jobID),
            eventKey: Topology.eventFollowKey(submitter: submitter, jobID: jobID))
    }

    private static func open(
        _ client: ClusterClient, submitter: String, logs: Bool, boundBeforeJob: Bool,
        logKey: String, eventKey: String
    ) async throws -> FollowSubscription {
        do {
            let channel = try await client.connection.openChannel()
            try await channel.qos(prefetchCount: prefetch)
            let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            if logs { try await channel.bindQueue(queue, exchange: Topology.logsExchange, routingKey: logKey) }
            try await channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: eventKey)
            let consumer = try await channel.consume(queue: queue, exclusive: true)
            return FollowSubscription(
                channel: channel, queue: queue, consumer: consumer, submitter: submitter, logs: logs,
                boundBeforeJob: boundBeforeJob)
        } catch let error as AMQPError {
            throw JobletClientError(.broker, "cannot follow jobs of \(submitter): \(error.message)")
        }
    }

    /// From all of the submitter's jobs to `jobID` only: its keys are bound before the wide ones go,
    /// so none of its messages can fall between.
    func narrow(to jobID: String) async throws {
        do {
            if logs {
                try await channel.bindQueue(
                    queue, exchange: Topology.logsExchange,
                    routingKey: Topology.logFollowKey(submitter: submitter, jobID: jobID))
            }
            try await channel.bindQueue(
                queue, exchange: Topology.eventsExchange,
                routingKey: Topology.eventFollowKey(submitter: submitter, jobID: jobID))
            if logs {
                try await channel.unbindQueue(
                    queue, exchange: Topology.logsExchange,
                    routingKey: Topology.logFollowAllKey(submitter: submitter))
            }
            try await channel.unbindQueue(
                queue, exchange: Topology.eventsExchange,
                routingKey: Topology.eventFollowAllKey(submitter: submitter))
        } catch let error as AMQPError {
            throw JobletClientError(.broker, "cannot follow job \(jobID): \(error.message); reattach with: rnx logs -f \(jobID)")
        }
    }

    func close() async {
        await channel.close()
    }
}
