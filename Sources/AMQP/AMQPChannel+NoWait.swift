import CRabbitMQ

/// Calls that write their method and return without waiting for the broker's reply: a short-lived
/// client (rnx) waits only for the replies it needs, not one round trip per method.
///
/// The broker handles a channel's methods in order, so the next call on the channel that waits for a
/// reply (a declare, a consume, a passive check) also says that everything sent before it on that
/// channel was done. A method the broker refuses closes the channel (a failed `channel.open`, the
/// connection): that waiting call, or any later call on the channel, throws the broker's error.
/// Replies that still come (`channel.open-ok`, `basic.qos-ok`, `queue.unbind-ok`: those methods have
/// no no-wait flag in AMQP 0-9-1) are dropped when they arrive.
///
/// Like a publish, each runs on the caller's thread when the connection's thread sleeps with nothing
/// queued: no hop to it and back, which on a busy machine costs about as much as the round trip.
extension AMQPConnection {
    /// A channel whose `channel.open` is written but not waited for (see above). Not connected right
    /// now: it opens with the next reconnect, as `openChannel()`.
    public func openChannel(noWait: Bool) async throws -> AMQPChannel {
        guard noWait else { return try await openChannel() }
        let id = try await loop.performNowOrQueued { loop in try loop.newChannel(waitForOpen: false) }
        return AMQPChannel(connection: self, id: id)
    }
}

extension AMQPChannel {
    /// `basic.qos` without waiting for its qos-ok; re-applied after reconnects like `qos(prefetchCount:)`.
    public func qos(prefetchCount: UInt16, noWait: Bool) async throws {
        guard noWait else { return try await qos(prefetchCount: prefetchCount) }
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            var method = amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetchCount, global: 0)
            try loop.checkSend(amqp_send_method(conn.state, ch.id, AMQP_BASIC_QOS_METHOD, &method), "basic.qos")
            ch.prefetch = prefetchCount
        }
    }

    /// `queue.bind` with no-wait set: the broker sends no bind-ok. Recorded and restored after a
    /// reconnect like `bindQueue`. A refused bind (no such exchange, a topic permission) closes the
    /// channel: the next call on it that waits reports the broker's error.
    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:], noWait: Bool) async throws {
        guard noWait else { return try await bindQueue(queue, exchange: exchange, routingKey: routingKey, arguments: arguments) }
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            var method = amqp_queue_bind_t(
                ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange), routing_key: arena.bytes(routingKey),
                nowait: 1, arguments: arena.table(arguments))
            try loop.checkSend(
                amqp_send_method(conn.state, ch.id, AMQP_QUEUE_BIND_METHOD, &method),
                "binding queue '\(queue)' to exchange '\(exchange)' with key '\(routingKey)'")
            // "" (the channel's last declared queue) names a server-named queue, which is not declared again.
            if !queue.isEmpty {
                loop.record(.binding(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments), on: ch)
            }
        }
    }

    /// `queue.unbind` without waiting for its unbind-ok (the method has no no-wait flag; the reply
    /// is dropped when it comes). Errors as `bindQueue(…, noWait: true)`.
    public func unbindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:], noWait: Bool) async throws {
        guard noWait else { return try await unbindQueue(queue, exchange: exchange, routingKey: routingKey, arguments: arguments) }
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            var method = amqp_queue_unbind_t(
                ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange), routing_key: arena.bytes(routingKey),
                arguments: arena.table(arguments))
            try loop.checkSend(
                amqp_send_method(conn.state, ch.id, AMQP_QUEUE_UNBIND_METHOD, &method),
                "unbinding queue '\(queue)' from exchange '\(exchange)'")
            ch.topology.removeAll { $0 == .binding(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments) }
        }
    }

    /// `queue.declare` with no-wait set: the broker sends no declare-ok. A server-named queue (`name`
    /// "") then has no name on this side: later methods on this channel refer to it as "", which AMQP
    /// reads as the queue last declared on the channel (so declare no other queue on it). Named queues
    /// are recorded and declared again after a reconnect, as by `declareQueue`; a server-named one is
    /// not. A refused declare closes the channel: the next call on it that waits reports the error.
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: FieldTable = [:], noWait: Bool
    ) async throws {
        guard noWait else {
            _ = try await declareQueue(name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments)
            return
        }
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            var method = amqp_queue_declare_t(
                ticket: 0, queue: arena.bytes(name), passive: 0, durable: durable ? 1 : 0, exclusive: exclusive ? 1 : 0,
                auto_delete: autoDelete ? 1 : 0, nowait: 1, arguments: arena.table(arguments))
            try loop.checkSend(amqp_send_method(conn.state, ch.id, AMQP_QUEUE_DECLARE_METHOD, &method), "declaring queue '\(name)'")
            if !name.isEmpty {
                loop.record(
                    .queue(name: name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments), on: ch)
            }
        }
    }

    /// `consume(queue:…)` with no-wait set: the broker sends no consume-ok, so nothing here waits for
    /// it. The consumer is registered before the method is written (no delivery can find it missing);
    /// a refused consume, or a refused method before it, closes the channel and ends the sequence with
    /// the broker's error.
    public func consume(
        queue: String, consumerTag: String? = nil, exclusive: Bool = false,
        arguments: FieldTable = [:], bodyLimit: Int = .max, noWait: Bool
    ) async throws -> AMQPConsumer {
        guard noWait else {
            return try await consume(queue: queue, consumerTag: consumerTag, exclusive: exclusive, arguments: arguments, bodyLimit: bodyLimit)
        }
        return try await streamConsumer(consumerTag: consumerTag) { tag, buffer in
            try await self.startConsumerNoWait(
                ConsumerRecord(queue: queue, tag: tag, exclusive: exclusive, arguments: arguments, sink: .stream(buffer), bodyLimit: bodyLimit))
        }
    }

    /// An internal no-ack consumer (RPC replies), whose deliveries `handler` gets on the connection's
    /// thread; with no-wait set it is registered before the method is written, so no delivery can find
    /// it missing. `ended` runs once it stops (its channel or connection closed), with the broker's error
    /// if there was one.
    func consume(
        queue: String, noWait: Bool, handler: @escaping @Sendable (Delivery) -> Void,
        ended: (@Sendable (AMQPError?) -> Void)? = nil
    ) async throws -> String {
        let tag = ConsumerTags.make()
        var record = ConsumerRecord(queue: queue, tag: tag, exclusive: false, arguments: [:], sink: .handler(handler))
        record.ended = ended
        if noWait {
            try await startConsumerNoWait(record)
        } else {
            try await startConsumer(record)
        }
        return tag
    }

    private func startConsumerNoWait(_ record: ConsumerRecord) async throws {
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            guard ch.consumers[record.tag] == nil else {
                throw AMQPError(.protocolError, "consumer tag '\(record.tag)' is already in use on this channel")
            }
            let arena = CArena()
            var method = amqp_basic_consume_t(
                ticket: 0, queue: arena.bytes(record.queue), consumer_tag: arena.bytes(record.tag), no_local: 0,
                no_ack: record.sink.noAck ? 1 : 0, exclusive: record.exclusive ? 1 : 0, nowait: 1, arguments: arena.table(record.arguments))
            ch.consumers[record.tag] = record
            do {
                try loop.checkSend(
                    amqp_send_method(conn.state, ch.id, AMQP_BASIC_CONSUME_METHOD, &method), "consuming from queue '\(record.queue)'")
            } catch {
                ch.consumers[record.tag] = nil
                throw error
            }
        }
    }

    /// `basic.cancel` with no-wait set: the consumer's sequence ends at once, with no cancel-ok to
    /// wait for (a round trip in which the connection's thread serves nothing else). Only for a
    /// consumer the broker cannot be sending anything: one whose prefetch window is used up by
    /// deliveries settled after this call. The broker handles a channel's methods in order, so it
    /// has the cancel before the settle that would open the window again. Whatever still arrives
    /// goes to the late-delivery handler, as after a cancel-ok.
    public func cancel(consumerTag: String, noWait: Bool) async throws {
        guard noWait else { return try await cancel(consumerTag: consumerTag) }
        try await connection.loop.performNowOrQueued { [id] loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            var method = amqp_basic_cancel_t(consumer_tag: arena.bytes(consumerTag), nowait: 1)
            try loop.checkSend(
                amqp_send_method(conn.state, ch.id, AMQP_BASIC_CANCEL_METHOD, &method), "cancelling consumer '\(consumerTag)'")
            ch.removeCancelled(consumerTag)?.finish(nil)
        }
    }

    /// Closes the channel without waiting for the broker's close-ok (its id stays taken until it
    /// comes): as `close()` for this side — consumers end, unconfirmed publishes fail, later calls
    /// throw — for a client that goes on at once, e.g. to close the connection.
    public func close(noWait: Bool) async {
        guard noWait else { return await close() }
        _ = try? await connection.loop.performNowOrQueued { [id] loop in
            guard let ch = loop.channels[id], !ch.closing else { return }
            ch.end(AMQPError(.channelClosed, "the channel was closed"), consumersEndWith: nil)
            guard ch.isOpen, let conn = loop.connection else {
                loop.channels[id] = nil
                return
            }
            ch.isOpen = false
            ch.closing = true
            var method = amqp_channel_close_t(
                reply_code: UInt16(AMQP_REPLY_SUCCESS), reply_text: amqp_empty_bytes, class_id: 0, method_id: 0)
            // A failed write loses the connection, which drops the closing channel with it.
            try? loop.checkSend(amqp_send_method(conn.state, id, AMQP_CHANNEL_CLOSE_METHOD, &method), "closing channel \(id)")
        }
    }
}

extension ConnectionLoop {
    /// `perform` for a short write that never waits for the broker: run right here when the loop
    /// thread sleeps and nothing is queued (so it cannot overtake an earlier call), else queued.
    func performNowOrQueued<T: Sendable>(_ body: @escaping @Sendable (ConnectionLoop) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { (c: UnsafeContinuation<T, any Error>) in
            let run: Command = { loop in c.resume(with: Result { try body(loop) }) }
            if !runNowOrSubmit(run, else: { run }) {
                c.resume(throwing: AMQPError(.connectionLost, "the connection is closed"))
            }
        }
    }
}
