import CRabbitMQ

/// An AMQP channel. All calls are executed in order on the connection's thread.
/// Topology calls are recorded and re-declared automatically after a reconnect (server-named
/// queues excepted: their names change).
public final class AMQPChannel: Sendable {
    /// Keeps the connection (and its thread) alive as long as a channel is in use.
    public let connection: AMQPConnection
    let id: UInt16
    private var loop: ConnectionLoop { connection.loop }

    init(connection: AMQPConnection, id: UInt16) {
        self.connection = connection
        self.id = id
    }

    public func declareExchange(
        _ name: String, kind: ExchangeKind, durable: Bool = true, autoDelete: Bool = false,
        arguments: FieldTable = [:]
    ) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let r = TopologyRecord.exchange(name: name, kind: kind, durable: durable, autoDelete: autoDelete, arguments: arguments)
            try loop.apply(r, conn, ch)
            loop.record(r, on: ch)
        }
    }

    /// Declares a queue; `name` "" asks the broker for a generated name (returned in the result).
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: FieldTable = [:]
    ) async throws -> QueueDeclareResult {
        let id = self.id
        return try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let r = TopologyRecord.queue(name: name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments)
            guard let result = try loop.apply(r, conn, ch) else {
                throw AMQPError(.protocolError, "declaring queue '\(name)': no reply")
            }
            if !name.isEmpty { loop.record(r, on: ch) }
            return result
        }
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let r = TopologyRecord.binding(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)
            try loop.apply(r, conn, ch)
            loop.record(r, on: ch)
        }
    }

    public func unbindQueue(_ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            amqp_queue_unbind(
                conn.state, ch.id, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                arena.table(arguments))
            try loop.check("unbinding queue '\(queue)' from exchange '\(exchange)'", ch, conn)
            ch.topology.removeAll { $0 == .binding(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments) }
        }
    }

    public func deleteQueue(_ name: String) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            amqp_queue_delete(conn.state, ch.id, arena.bytes(name), 0, 0)
            try loop.check("deleting queue '\(name)'", ch, conn)
            ch.topology.removeAll { r in
                switch r {
                case .queue(let q, _, _, _, _), .binding(let q, _, _, _): return q == name
                case .exchange: return false
                }
            }
        }
    }

    /// Removes all ready messages; returns how many.
    public func purgeQueue(_ name: String) async throws -> UInt32 {
        let id = self.id
        return try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            let ok = amqp_queue_purge(conn.state, ch.id, arena.bytes(name))
            try loop.check("purging queue '\(name)'", ch, conn)
            return ok?.pointee.message_count ?? 0
        }
    }

    /// Per-consumer prefetch (quorum queues reject a global one); re-applied after reconnects.
    public func qos(prefetchCount: UInt16) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            amqp_basic_qos(conn.state, ch.id, 0, prefetchCount, 0)
            try loop.check("basic.qos", ch, conn)
            ch.prefetch = prefetchCount
        }
    }

    /// Puts the channel in confirm mode (confirm.select): publishes then wait for the broker's confirm.
    public func enableConfirms() async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            guard !ch.confirms else { return }
            amqp_confirm_select(conn.state, ch.id)
            try loop.check("confirm.select", ch, conn)
            ch.confirms = true
        }
    }

    /// With confirms enabled: returns when the broker confirmed it; throws .returned (mandatory &
    /// unroutable, carrying the ReturnedMessage), .nacked, .timeout. Many publishes may be in flight
    /// concurrently (pipelined): confirms are matched by delivery tag (multiple=true handled). If the
    /// connection drops before the confirm, the publish is re-sent after reconnect (at-least-once)
    /// until `publishConfirmTimeout`, then throws .connectionLost — never silently dropped.
    /// Without confirms: returns once the message was written to the socket.
    /// With `AMQPConfiguration.identifyPublishes`, a message without `user_id` gets the connection's user.
    public func publish(
        _ body: [UInt8], exchange: String, routingKey: String,
        properties: BasicProperties = BasicProperties(), mandatory: Bool = false
    ) async throws {
        try await startPublish(
            body, exchange: exchange, routingKey: routingKey, properties: properties,
            mandatory: mandatory
        ).confirmed()
    }

    /// Hands the message to the connection now, before this returns, so publishes started one after
    /// the other reach the broker in that order; the receipt's `confirmed()` waits for the confirm
    /// (failures as `publish`). For work that need not wait for a confirm before going on.
    public func startPublish(
        _ body: [UInt8], exchange: String, routingKey: String,
        properties: BasicProperties = BasicProperties(), mandatory: Bool = false
    ) -> PublishReceipt {
        let id = self.id
        let deadline = ContinuousClock.now + loop.configuration.publishConfirmTimeout
        let loop = self.loop
        var properties = properties
        if loop.configuration.identifyPublishes, properties.userID == nil {
            properties.userID = connection.user
        }
        let receipt = PublishReceipt()
        let p = PendingPublish(
            body: body, exchange: exchange, routingKey: routingKey, properties: properties,
            mandatory: mandatory, deadline: deadline, receipt: receipt)
        @Sendable func run(_ loop: ConnectionLoop) {
            if let e = loop.terminalError { p.complete(.failure(e)); return }
            guard let ch = loop.channels[id] else {
                p.complete(.failure(AMQPError(.channelClosed, "channel \(id) is closed"))); return
            }
            if let e = ch.closedError { p.complete(.failure(e)); return }
            loop.send(p, on: ch)
        }
        let accepted = loop.runNowOrSubmit(run, else: { run })
        if !accepted { p.complete(.failure(AMQPError(.connectionLost, "the connection is closed"))) }
        return receipt
    }

    /// Starts a consumer. Consumption survives reconnects: after a reconnect the consumer is
    /// re-registered and the same sequence continues with deliveries of the new generation.
    /// `bodyLimit`: what one message may cost this process; a larger body is dropped as it is read and
    /// its delivery comes with `droppedBody` set (memory held is at most prefetch × limit).
    public func consume(
        queue: String, consumerTag: String? = nil, exclusive: Bool = false,
        arguments: FieldTable = [:], bodyLimit: Int = .max
    ) async throws -> AMQPConsumer {
        try await streamConsumer(consumerTag: consumerTag) { tag, buffer in
            try await self.startConsumer(
                ConsumerRecord(queue: queue, tag: tag, exclusive: exclusive, arguments: arguments, sink: .stream(buffer), bodyLimit: bodyLimit))
        }
    }

    /// An `AMQPConsumer` whose deliveries `start` registers (with or without waiting for consume-ok);
    /// cancelled on the broker when the iterating task goes away.
    func streamConsumer(
        consumerTag: String?, start: (_ tag: String, _ buffer: DeliveryBuffer) async throws -> Void
    ) async throws -> AMQPConsumer {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [Delivery].self, throwing: (any Error).self)
        let tag = consumerTag ?? ConsumerTags.make()
        try await start(tag, DeliveryBuffer(continuation))
        let id = self.id
        let loop = self.loop
        continuation.onTermination = { reason in
            // The iterating task went away: stop deliveries so they do not pile up unacked.
            guard case .cancelled = reason else { return }
            loop.submit { loop in
                guard let ch = loop.channels[id], ch.removeCancelled(tag) != nil,
                    let conn = loop.connection, ch.isOpen
                else { return }
                let arena = CArena()
                amqp_basic_cancel(conn.state, ch.id, arena.bytes(tag))
                try? loop.check("cancelling consumer '\(tag)'", ch, conn)
            }
        }
        return AMQPConsumer(consumerTag: tag, stream: stream)
    }

    func startConsumer(_ record: ConsumerRecord) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            guard ch.consumers[record.tag] == nil else {
                throw AMQPError(.protocolError, "consumer tag '\(record.tag)' is already in use on this channel")
            }
            try loop.startConsumer(record, conn, ch)
            ch.consumers[record.tag] = record
        }
    }

    /// Stops a consumer; its sequence ends normally, after every delivery the broker sent it before
    /// the cancel-ok (they are the consumer's to settle: rejecting them would count as a failed
    /// delivery in a quorum queue).
    public func cancel(consumerTag: String) async throws {
        let id = self.id
        try await loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            amqp_basic_cancel(conn.state, ch.id, arena.bytes(consumerTag))
            try loop.check("cancelling consumer '\(consumerTag)'", ch, conn)
            loop.dispatchQueuedFrames()
            ch.removeCancelled(consumerTag)?.finish(nil)
        }
    }

    /// Where deliveries go that arrive for a consumer after it was cancelled (a quorum queue may send
    /// one after the cancel-ok): `handler` gets the consumer's queue and the delivery, on the
    /// connection's thread (so it must not block), and must settle it. Without a handler they are
    /// rejected back to the queue, which a quorum queue counts as a failed delivery.
    public func setLateDeliveryHandler(_ handler: @escaping @Sendable (_ queue: String, _ delivery: Delivery) -> Void) async throws {
        let id = self.id
        try await loop.perform { loop in
            guard let ch = loop.channels[id] else { throw AMQPError(.channelClosed, "channel \(id) is closed") }
            ch.lateDeliveryHandler = handler
        }
    }

    /// How many deliveries this channel rejected back to their queue because neither a consumer nor the
    /// late-delivery handler took them (each one counts as a failed delivery in a quorum queue).
    public func rejectedUnclaimedDeliveries() async throws -> Int {
        let id = self.id
        return try await loop.perform { loop in
            guard let ch = loop.channels[id] else { throw AMQPError(.channelClosed, "channel \(id) is closed") }
            return ch.rejectedUnclaimed
        }
    }

    /// Acknowledges a delivery (queued to the connection thread; returns without a broker round trip).
    /// A delivery of an older connection generation throws `.staleDelivery` (the broker redelivers it).
    public func ack(_ delivery: Delivery, multiple: Bool = false) async throws {
        try settle(delivery, .ack(multiple: multiple))
    }

    public func nack(_ delivery: Delivery, multiple: Bool = false, requeue: Bool) async throws {
        try settle(delivery, .nack(multiple: multiple, requeue: requeue))
    }

    public func reject(_ delivery: Delivery, requeue: Bool) async throws {
        try settle(delivery, .reject(requeue: requeue))
    }

    /// Settling does not wait for the broker: when the connection thread sleeps the frame is
    /// written right here, else the call is queued to it. Stale deliveries are refused here, and
    /// checked again under the state lock, so a tag of an old connection is never applied to the
    /// new one. If the send itself fails, the connection is lost and the broker redelivers the
    /// message (at-least-once).
    private func settle(_ delivery: Delivery, _ how: Settlement) throws {
        let id = self.id
        let loop = self.loop
        let tag = delivery.deliveryTag, generation = delivery.generation
        guard generation == loop.generation, loop.isConnected else {
            throw AMQPError(
                .staleDelivery,
                "cannot \(how.name) delivery \(tag): it arrived before the connection was lost; the broker redelivers it")
        }
        @Sendable func run(_ loop: ConnectionLoop) {
            guard loop.terminalError == nil, generation == loop.generation,
                let (conn, ch) = try? loop.ready(id)
            else { return }
            try? loop.checkSend(how.send(conn.state, ch.id, tag), "\(how.name) of delivery \(tag)")
        }
        if !loop.runNowOrSubmit(run, else: { run }) {
            throw AMQPError(.connectionLost, "the connection is closed")
        }
    }

    /// Fetches one message (basic.get); nil when the queue is empty. The delivery must be acked.
    ///
    /// Sent without a synchronous wait: the frame pump answers it when get-ok or get-empty arrives, as
    /// it hands out deliveries, so a connection that also has consumers keeps their frames apart.
    public func get(queue: String) async throws -> Delivery? {
        let id = self.id
        return try await withUnsafeThrowingContinuation { continuation in
            let accepted = loop.submit { loop in
                do {
                    let (conn, ch) = try loop.ready(id)
                    let arena = CArena()
                    var method = amqp_basic_get_t(ticket: 0, queue: arena.bytes(queue), no_ack: 0)
                    try loop.checkSend(
                        amqp_send_method(conn.state, ch.id, AMQP_BASIC_GET_METHOD, &method), "basic.get from queue '\(queue)'")
                    ch.pendingGets.append(PendingGet(continuation: continuation))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if !accepted { continuation.resume(throwing: AMQPError(.connectionLost, "the connection is closed")) }
        }
    }

    /// Closes the channel: its consumers end, unconfirmed publishes fail with `.channelClosed`.
    public func close() async {
        let id = self.id
        _ = try? await loop.perform { loop in
            guard let ch = loop.channels.removeValue(forKey: id) else { return }
            ch.end(AMQPError(.channelClosed, "the channel was closed"), consumersEndWith: nil)
            if ch.isOpen, let conn = loop.connection {
                ch.isOpen = false
                let reply = amqp_channel_close(conn.state, id, AMQP_REPLY_SUCCESS)
                try? loop.check(reply, "closing channel \(id)", nil, conn)
            }
        }
    }
}
