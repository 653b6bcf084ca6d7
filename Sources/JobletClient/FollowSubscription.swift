import AMQP
import JobletCore
import JobletMessaging

/// A follower's private queue on `joblet.logs` and `joblet.events`: exclusive, server-named, deleted
/// with the connection, consumed with a prefetch window and acked as it is read, so neither the broker
/// (unacked deliveries) nor the client (its inbox) holds more than a window of a long log (16 chunks,
/// 16 MiB at the workers' default 1M chunks).
///
/// `submitAndFollow` (`rnx run`) opens it BEFORE submitting, bound to all of the submitter's jobs: the
/// job cannot print before the bind, so its whole output arrives live. Once the reply names the job,
/// `narrow(to:)` binds that job's keys and drops the wide ones; other jobs' messages read meanwhile are
/// ignored by id. `follow` (`rnx logs -f`) attaches to a job that may have printed already: it binds
/// that job only and takes the past from the dispatcher's history.
struct FollowSubscription {
    /// Deliveries in flight to the client; acks go back every `ackEvery`, well inside the window.
    static let prefetch: UInt16 = 16
    static let ackEvery = 4

    let channel: AMQPChannel
    let queue: String
    let consumer: AMQPConsumer
    let bindings: FollowBindings
    /// Bound before the job was submitted: no chunk of it can have been published before the bind.
    let boundBeforeJob: Bool

    /// Bound to every job of `submitter`, before a submission.
    static func beforeSubmission(_ client: ClusterClient, submitter: String, logs: Bool = true) async throws -> FollowSubscription {
        try await open(client, FollowBindings(submitter: submitter, logs: logs), jobID: nil)
    }

    /// Bound to one job that already exists.
    static func job(_ jobID: String, client: ClusterClient, submitter: String, logs: Bool) async throws -> FollowSubscription {
        try await open(client, FollowBindings(submitter: submitter, logs: logs), jobID: jobID)
    }

    /// Bound to `jobID`, or to all of the submitter's jobs when nil.
    private static func open(_ client: ClusterClient, _ bindings: FollowBindings, jobID: String?) async throws -> FollowSubscription {
        do {
            return try await bind(client, bindings, jobID: jobID)
        } catch let error as AMQPError where bindings.recorded && refusesRecordedEnds(error) {
            // A user made before recorded ends existed: follow without them (the end then comes from
            // the dispatcher's status, as it did for such users). `scripts/broker-roles apply` fixes it.
            var older = bindings
            older.recorded = false
            return try await open(client, older, jobID: jobID)
        } catch let error as AMQPError {
            throw JobletClientError(.broker, "cannot follow jobs of \(bindings.submitter): \(reason(error))")
        }
    }

    /// The broker refused a bind of a `recorded.` key (its ACCESS_REFUSED names the key).
    static func refusesRecordedEnds(_ error: AMQPError) -> Bool {
        error.replyCode == 403 && reason(error).contains("'\(Topology.recordedKeyPrefix)")
    }

    /// Two broker round trips, the declare (for the queue's name) and the consume: the open, the qos
    /// and the binds are only written, and the broker handles a channel's methods in order, so the
    /// consume's answer says the binds were made before anything is submitted. A refused bind closes
    /// the channel, which the consume then reports.
    private static func bind(_ client: ClusterClient, _ bindings: FollowBindings, jobID: String?) async throws -> FollowSubscription {
        let channel = try await client.connection.openChannel(noWait: true)
        try await channel.qos(prefetchCount: prefetch, noWait: true)
        let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        for (exchange, key) in bindings.keys(jobID: jobID) {
            try await channel.bindQueue(queue, exchange: exchange, routingKey: key, noWait: true)
        }
        // Log chunks are the largest messages bound here.
        let consumer = try await channel.consume(queue: queue, exclusive: true, bodyLimit: BodyLimits.logChunk)
        return FollowSubscription(channel: channel, queue: queue, consumer: consumer, bindings: bindings, boundBeforeJob: jobID == nil)
    }

    /// What the broker said when it closed the channel (a bind refused shows in the call after it, so
    /// the call's own name would mislead), else the error's message.
    static func reason(_ error: AMQPError) -> String {
        guard error.code == .channelClosed, let said = error.cause, !said.isEmpty else { return error.message }
        return said
    }

    /// From all of the submitter's jobs to `jobID` only: its keys are bound before the wide ones go
    /// (in that order on the channel), so none of its messages can fall between. Nothing is waited
    /// for: a refused bind closes the channel, which ends the consumer with the broker's error.
    func narrow(to jobID: String) async throws {
        do {
            for (exchange, key) in bindings.keys(jobID: jobID) {
                try await channel.bindQueue(queue, exchange: exchange, routingKey: key, noWait: true)
            }
            for (exchange, key) in bindings.keys(jobID: nil) {
                try await channel.unbindQueue(queue, exchange: exchange, routingKey: key, noWait: true)
            }
        } catch let error as AMQPError {
            throw JobletClientError(.broker, "cannot follow job \(jobID): \(error.message); reattach with: rnx logs -f \(jobID)")
        }
    }

    /// Not waiting for the broker's close-ok: the caller goes on at once (rnx to close the connection).
    func close() async {
        await channel.close(noWait: true)
    }
}
