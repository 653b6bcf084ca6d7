import AMQP
import JobletCore
import JobletMessaging

/// A follower's private queue on `joblet.logs` and `joblet.events`: exclusive, server-named, deleted
/// with the connection, consumed with a prefetch window and acked as it is read, so neither the broker
/// (unacked deliveries) nor the client (its inbox) holds more than a window of a long log (16 chunks,
/// 16 MiB at the workers' default 1M chunks).
///
/// `submitAndFollow` (`rnx run`) opens it for a submission: bound to all of the submitter's jobs, with
/// the submission then published on the same channel, so the broker has made the binds before
/// it routes the submission and the job's whole output arrives live, with no round trip before the
/// submission. The follower calls `narrow(to:)` (that job's keys bound, the wide ones dropped) when a message
/// of another job arrives, and ignores such messages by id; a user running one job at a time never
/// pays for the six binding changes. `follow` (`rnx logs -f`) attaches to a
/// job that may have printed already: it binds that job only, waits for the consume (one round trip,
/// so the binds are made) and takes the past from the dispatcher's history.
struct FollowSubscription {
    /// Deliveries in flight to the client; acks go back every `ackEvery`, well inside the window.
    static let prefetch: UInt16 = 16
    static let ackEvery = 4
    /// The queue, declared with no-wait so without learning its server-made name: "" is AMQP's name
    /// for the queue last declared on the channel, and this channel declares no other.
    static let queue = ""

    let channel: AMQPChannel
    let consumer: AMQPConsumer
    let bindings: FollowBindings
    /// Bound before the job was submitted: no chunk of it can have been published before the bind.
    let boundBeforeJob: Bool

    /// Bound to every job of the submitter, with requests on its channel for the submission (after the
    /// binds there). Nothing is waited for: a refused method closes the channel, which fails this call
    /// (when the broker's close came first) or the submission's request, with the broker's `AMQPError`
    /// (for `retryWithoutRecordedEnds`), and ends the consumer.
    static func forSubmission(_ client: ClusterClient, _ bindings: FollowBindings) async throws -> (
        subscription: FollowSubscription, requests: RPCClient
    ) {
        let subscription = try await bind(client, bindings, jobID: nil)
        do {
            return (subscription, try await RPCClient(channel: subscription.channel, noWait: true))
        } catch {
            await subscription.close()
            throw error
        }
    }

    /// Bound to one job that already exists.
    static func job(_ jobID: String, client: ClusterClient, submitter: String, logs: Bool) async throws -> FollowSubscription {
        var bindings = FollowBindings(submitter: submitter, logs: logs)
        while true {
            do {
                return try await bind(client, bindings, jobID: jobID)
            } catch let error as AMQPError {
                try retryWithoutRecordedEnds(after: error, &bindings)
            }
        }
    }

    /// After the broker refused a follow's set-up: a user made before recorded ends existed may not bind
    /// their `recorded.` keys (the ACCESS_REFUSED names the key), so `bindings` drop them and the caller
    /// tries again (the end then comes from the dispatcher's status, as it did for such users;
    /// `scripts/broker-roles apply` fixes the user). Any other refusal is thrown, in rnx's words.
    static func retryWithoutRecordedEnds(after error: AMQPError, _ bindings: inout FollowBindings) throws {
        guard bindings.recorded, error.replyCode == 403, reason(error).contains("'\(Topology.recordedKeyPrefix)") else {
            throw JobletClientError(.broker, "cannot follow jobs of \(bindings.submitter): \(reason(error))")
        }
        bindings.recorded = false
    }

    /// The open, the qos, the declare and the binds are only written; the broker handles a channel's
    /// methods in order. For one job (`jobID` set) the consume waits, so its answer says the binds
    /// were made before history is asked for; for a submission nothing waits, and the request the
    /// caller then publishes on this channel comes after the binds. A refused bind closes the
    /// channel, which the consume or the request reports.
    private static func bind(_ client: ClusterClient, _ bindings: FollowBindings, jobID: String?) async throws -> FollowSubscription {
        let forSubmission = jobID == nil
        let channel = try await client.connection.openChannel(noWait: true)
        do {
            try await channel.qos(prefetchCount: prefetch, noWait: true)
            try await channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true, noWait: true)
            for (exchange, key) in bindings.keys(jobID: jobID) {
                try await channel.bindQueue(queue, exchange: exchange, routingKey: key, noWait: true)
            }
            // Log chunks are the largest messages bound here.
            let consumer = try await channel.consume(queue: queue, exclusive: true, bodyLimit: BodyLimits.logChunk, noWait: forSubmission)
            return FollowSubscription(channel: channel, consumer: consumer, bindings: bindings, boundBeforeJob: forSubmission)
        } catch {
            // Closed by the broker already, or not: its id is free again either way.
            await channel.close(noWait: true)
            throw error
        }
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
                try await channel.bindQueue(Self.queue, exchange: exchange, routingKey: key, noWait: true)
            }
            for (exchange, key) in bindings.keys(jobID: nil) {
                try await channel.unbindQueue(Self.queue, exchange: exchange, routingKey: key, noWait: true)
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
