import CRabbitMQ

extension AMQPChannel {
    /// A passive `queue.declare`: the queue's message and consumer counts, without creating it and
    /// without the configure permission a real declare needs. A missing queue is a 404 that closes
    /// this channel (`AMQPError` with `replyCode` 404). Not recorded for re-declaration.
    public func inspectQueue(_ name: String) async throws -> QueueDeclareResult {
        let id = self.id
        return try await connection.loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            let ok = amqp_queue_declare(conn.state, ch.id, arena.bytes(name), 1, 0, 0, 0, amqp_empty_table)
            try loop.check("inspecting queue '\(name)'", ch, conn)
            guard let ok else { throw AMQPError(.protocolError, "inspecting queue '\(name)': no reply") }
            return QueueDeclareResult(
                name: CDecoding.string(ok.pointee.queue), messageCount: ok.pointee.message_count,
                consumerCount: ok.pointee.consumer_count)
        }
    }

    /// A passive `exchange.declare`: succeeds when the exchange exists (no configure permission
    /// needed); a missing one is a 404 that closes this channel.
    public func checkExchange(_ name: String) async throws {
        let id = self.id
        try await connection.loop.perform { loop in
            let (conn, ch) = try loop.ready(id)
            let arena = CArena()
            amqp_exchange_declare(conn.state, ch.id, arena.bytes(name), arena.bytes("topic"), 1, 0, 0, 0, amqp_empty_table)
            try loop.check("checking exchange '\(name)'", ch, conn)
        }
    }
}
