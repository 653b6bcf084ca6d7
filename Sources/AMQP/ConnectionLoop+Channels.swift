import CRabbitMQ

extension ConnectionLoop {
    /// The connection and channel for an operation, or the error that says why there are none.
    func ready(_ chID: UInt16) throws -> (RabbitConnection, ChannelState) {
        if let terminalError { throw terminalError }
        guard let ch = channels[chID] else { throw AMQPError(.channelClosed, "channel \(chID) is closed") }
        if let e = ch.closedError { throw e }
        guard let conn = connection, ch.isOpen else {
            throw AMQPError(.connectionLost, "not connected to the broker (reconnecting)")
        }
        return (conn, ch)
    }

    /// Checks the outcome of the last synchronous librabbitmq call; broker closes become errors
    /// and also close the channel (or start reconnecting).
    func check(_ what: @autoclosure () -> String, _ ch: ChannelState?, _ conn: RabbitConnection) throws {
        try check(amqp_get_rpc_reply(conn.state), what(), ch, conn)
    }

    func check(
        _ reply: amqp_rpc_reply_t, _ what: @autoclosure () -> String, _ ch: ChannelState?,
        _ conn: RabbitConnection
    ) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD:
            let chID = ch?.id ?? 0
            let (code, text) = BrokerClose.channel(reply, id: chID, state: conn.state)
            let error = AMQPError(
                .channelClosed, "\(what()) failed: \(text.isEmpty ? "\(code)" : text) (the broker closed channel \(chID))",
                cause: text, replyCode: code)
            if let ch { channelClosedByBroker(ch, error) }
            throw error
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD:
            let (code, text) = BrokerClose.connection(reply, state: conn.state)
            connectionLost("the broker closed the connection: \(code) \(text)")
            throw AMQPError(
                .connectionLost, "\(what()) failed: the broker closed the connection: \(code) \(text)",
                cause: text, replyCode: code)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = statusText(reply.library_error)
            connectionLost(status)
            throw AMQPError(.connectionLost, "\(what()) failed: \(status)", cause: status)
        default:
            throw AMQPError(.protocolError, "\(what()) failed: unexpected reply from the broker")
        }
    }

    /// Checks the status of an asynchronous send (publish, ack...).
    func checkSend(_ rc: Int32, _ what: @autoclosure () -> String) throws {
        guard rc != AMQP_STATUS_OK.rawValue else { return }
        let status = statusText(rc)
        connectionLost(status)
        throw AMQPError(.connectionLost, "\(what()) failed: \(status)", cause: status)
    }

    func channelClosedByBroker(_ ch: ChannelState, _ error: AMQPError) {
        ch.isOpen = false
        ch.end(error, consumersEndWith: error)
    }

    /// `waitForOpen` false: `channel.open` is only written (`openChannel(noWait:)`); its open-ok is
    /// dropped when it arrives.
    func newChannel(waitForOpen: Bool = true) throws -> UInt16 {
        if let terminalError { throw terminalError }
        var id = nextChannelID
        while channels[id] != nil || id == 0 { id &+= 1 }
        nextChannelID = id &+ 1
        let ch = ChannelState(id: id)
        channels[id] = ch
        if let conn = connection {
            do {
                if waitForOpen {
                    try openOnWire(ch)
                } else {
                    var open = amqp_channel_open_t(out_of_band: amqp_empty_bytes)
                    try checkSend(amqp_send_method(conn.state, id, AMQP_CHANNEL_OPEN_METHOD, &open), "opening channel \(id)")
                    ch.isOpen = true
                }
            } catch {
                channels[id] = nil
                throw error
            }
        }
        // Not connected: the channel opens with the next successful reconnect.
        return id
    }

    /// (Re)opens a channel on the current connection and restores everything recorded on it.
    func openOnWire(_ ch: ChannelState) throws {
        guard let conn = connection else { throw AMQPError(.connectionLost, "not connected to the broker") }
        amqp_channel_open(conn.state, ch.id)
        try check("opening channel \(ch.id)", nil, conn)
        ch.isOpen = true
        ch.forgetCancelled()
        if let prefetch = ch.prefetch {
            amqp_basic_qos(conn.state, ch.id, 0, prefetch, 0)
            try check("basic.qos", ch, conn)
        }
        if ch.confirms {
            amqp_confirm_select(conn.state, ch.id)
            try check("confirm.select", ch, conn)
        }
        for record in ch.topology { try apply(record, conn, ch) }
        for c in ch.consumers.values.sorted(by: { $0.tag < $1.tag }) {
            try startConsumer(c, conn, ch)
        }
    }

    @discardableResult
    func apply(_ record: TopologyRecord, _ conn: RabbitConnection, _ ch: ChannelState) throws -> QueueDeclareResult? {
        let arena = CArena()
        switch record {
        case let .exchange(name, kind, durable, autoDelete, arguments):
            amqp_exchange_declare(
                conn.state, ch.id, arena.bytes(name), arena.bytes(kind.rawValue), 0,
                durable ? 1 : 0, autoDelete ? 1 : 0, 0, arena.table(arguments))
            try check("declaring exchange '\(name)'", ch, conn)
            return nil
        case let .queue(name, durable, exclusive, autoDelete, arguments):
            let ok = amqp_queue_declare(
                conn.state, ch.id, arena.bytes(name), 0, durable ? 1 : 0,
                exclusive ? 1 : 0, autoDelete ? 1 : 0, arena.table(arguments))
            try check("declaring queue '\(name)'", ch, conn)
            guard let ok else { throw AMQPError(.protocolError, "declaring queue '\(name)': no reply") }
            return QueueDeclareResult(
                name: CDecoding.string(ok.pointee.queue), messageCount: ok.pointee.message_count,
                consumerCount: ok.pointee.consumer_count)
        case let .binding(queue, exchange, routingKey, arguments):
            amqp_queue_bind(
                conn.state, ch.id, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                arena.table(arguments))
            try check("binding queue '\(queue)' to exchange '\(exchange)' with key '\(routingKey)'", ch, conn)
            return nil
        }
    }

    func startConsumer(_ c: ConsumerRecord, _ conn: RabbitConnection, _ ch: ChannelState) throws {
        let arena = CArena()
        amqp_basic_consume(
            conn.state, ch.id, arena.bytes(c.queue), arena.bytes(c.tag), 0, c.sink.noAck ? 1 : 0,
            c.exclusive ? 1 : 0, arena.table(c.arguments))
        try check("consuming from queue '\(c.queue)'", ch, conn)
    }

    func record(_ r: TopologyRecord, on ch: ChannelState) {
        if !ch.topology.contains(r) { ch.topology.append(r) }
    }

    /// Sends a publish now if possible, else keeps it for after the reconnect.
    func send(_ p: PendingPublish, on ch: ChannelState) {
        guard let conn = connection, ch.isOpen else {
            ch.outbox.append(p)
            return
        }
        let arena = publishArena
        defer { arena.reset() }
        var props = arena.properties(p.properties)
        let rc = p.exchange.withCString { ex in
            p.routingKey.withCString { rk in
                p.body.withUnsafeBytes { b in
                    amqp_basic_publish(
                        conn.state, ch.id, amqp_cstring_bytes(ex), amqp_cstring_bytes(rk),
                        p.mandatory ? 1 : 0, 0, &props,
                        amqp_bytes_t(len: b.count, bytes: UnsafeMutableRawPointer(mutating: b.baseAddress)))
                }
            }
        }
        guard rc == AMQP_STATUS_OK.rawValue else {
            // Possibly not sent: keep it for the re-send after the reconnect (at-least-once).
            ch.outbox.append(p)
            connectionLost("publish failed: \(statusText(rc))")
            return
        }
        if ch.confirms {
            ch.unconfirmed[ch.nextSeq] = p
            ch.nextSeq += 1
        } else {
            p.complete(.success(()))
        }
    }

    func flushOutbox(_ ch: ChannelState) {
        guard !ch.outbox.isEmpty else { return }
        var items = ch.outbox
        ch.outbox.removeAll()
        while !items.isEmpty {
            guard connection != nil, ch.isOpen else {
                ch.outbox.append(contentsOf: items)
                return
            }
            send(items.removeFirst(), on: ch)
        }
    }
}
