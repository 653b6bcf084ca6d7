import Synchronization
import SystemCalls

/// Request/reply over RabbitMQ's direct reply-to (`amq.rabbitmq.reply-to`): one no-ack consumer
/// on a channel of its own or one it shares (`init(channel:)`), replies matched by correlation id.
public final class RPCClient: Sendable {
    private let channel: AMQPChannel
    private let pending = PendingReplies()
    private let counter = Atomic<UInt64>(0)
    private let prefix: String

    /// `noWait`: the channel and its reply consumer are set up without waiting for the broker (no
    /// round trip; the broker handles them before the first call's publish, on the same channel).
    /// Nothing can then report a refused setup but the first call, which fails or times out.
    /// Otherwise the consume waits, and so also confirms the open (one round trip).
    public convenience init(connection: AMQPConnection, noWait: Bool = false) async throws {
        try await self.init(channel: try await connection.openChannel(noWait: true), noWait: noWait)
    }

    /// Calls on `channel`, which may carry other work: the broker handles a channel's methods in
    /// order, so whatever was written on it before a call (a queue's binds, say) is done before the
    /// call's request is routed. Once the channel closes, waiting and later calls fail with its error.
    public init(channel: AMQPChannel, noWait: Bool = false) async throws {
        self.channel = channel
        var g = SystemRandomNumberGenerator()
        prefix = String(g.next() as UInt64, radix: 36)
        let pending = self.pending
        // The reply consumer must exist before the first publish with reply_to = amq.rabbitmq.reply-to.
        _ = try await channel.consume(
            queue: "amq.rabbitmq.reply-to", noWait: noWait,
            handler: { delivery in
                guard let id = delivery.properties.correlationID,
                    let slot = pending.take(id)
                else { return }
                slot.fulfill(.success(delivery))
            },
            ended: { error in
                let failure = error ?? AMQPError(.channelClosed, "the channel of the request was closed before its reply came")
                pending.close(failure)
            })
    }

    /// Publishes `body` with a fresh correlation id and waits for the reply.
    /// Throws `.timeout` naming the routing key when no reply arrives within `timeout`.
    public func call(
        exchange: String = "", routingKey: String, body: [UInt8],
        properties: BasicProperties = BasicProperties(), timeout: Duration
    ) async throws -> Delivery {
        let id = "\(prefix)-\(counter.add(1, ordering: .relaxed).newValue)"
        let slot = ReplySlot()
        try pending.insert(slot, for: id)
        defer { _ = pending.take(id) }
        var props = properties
        props.correlationID = id
        props.replyTo = "amq.rabbitmq.reply-to"
        try await channel.publish(body, exchange: exchange, routingKey: routingKey, properties: props)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cut short by the reply almost always: its timer must go then, not at the timeout.
                try? await CancellableSleep.sleep(for: timeout)
                if !Task.isCancelled {
                    slot.fulfill(
                        .failure(
                            AMQPError(
                                .timeout,
                                "no reply to the request sent to '\(routingKey)' within \(timeout) — is a server consuming that queue?")))
                }
            }
            defer { group.cancelAll() }
            return try await withTaskCancellationHandler {
                try await slot.wait()
            } onCancel: {
                slot.fulfill(.failure(CancellationError()))
            }
        }
    }
}
