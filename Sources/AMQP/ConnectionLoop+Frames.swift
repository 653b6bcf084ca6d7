import CRabbitMQ
#if canImport(Glibc)
    import Glibc
#endif

extension ConnectionLoop {
    /// Reads and dispatches every frame that is already available, without blocking.
    func pumpFrames() {
        var budget = 4096  // then go back to run queued commands
        while budget > 0, let conn = connection {
            budget -= 1
            var frame = amqp_frame_t()
            var tv = timeval(tv_sec: 0, tv_usec: 0)
            let rc = amqp_simple_wait_frame_noblock(conn.state, &frame, &tv)
            if rc == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard rc == AMQP_STATUS_OK.rawValue else {
                connectionLost(
                    rc == AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue
                        ? "missed heartbeats from \(conn.url.host):\(conn.url.port)"
                        : "\(statusText(rc)) (\(conn.url.host):\(conn.url.port))")
                return
            }
            handleFrame(frame, conn)
        }
        flushDeliveries()
        if let conn = connection { amqp_maybe_release_buffers(conn.state) }
    }

    /// Dispatches the frames librabbitmq queued while a synchronous call waited for its reply, without
    /// reading the socket. A basic.cancel-ok follows every delivery the broker sent that consumer, so
    /// after it this hands them all to the consumer (which must still be registered) instead of
    /// leaving them to be rejected as deliveries to an unknown consumer.
    func dispatchQueuedFrames() {
        while let conn = connection, amqp_frames_enqueued(conn.state) != 0 {
            var frame = amqp_frame_t()
            var tv = timeval(tv_sec: 0, tv_usec: 0)
            guard amqp_simple_wait_frame_noblock(conn.state, &frame, &tv) == AMQP_STATUS_OK.rawValue else { break }
            handleFrame(frame, conn)
        }
        flushDeliveries()
    }

    private func handleFrame(_ frame: amqp_frame_t, _ conn: RabbitConnection) {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD), let decoded = frame.payload.method.decoded else { return }
        let chID = frame.channel
        switch frame.payload.method.id {
        case AMQP_BASIC_DELIVER_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let ch = channels[chID]
            // Reuse the strings we already hold (no allocation per delivery for tag and key).
            let consumer =
                (ch?.consumers.count ?? 0) <= 8
                ? ch?.consumers.first { CDecoding.equals(m.consumer_tag, $0.key) }?.value
                : ch?.consumers[CDecoding.string(m.consumer_tag)]
            let tag = consumer?.tag ?? CDecoding.string(m.consumer_tag)
            if ch?.closing == true {
                // Sent before our channel.close reached the broker, which requeues it; settling it
                // on a channel that is closing is not allowed. Its body is not kept.
                _ = readContent(conn, chID, limit: 0)
                return
            }
            let deliveryTag = m.delivery_tag
            let redelivered = m.redelivered != 0
            let exchange = CDecoding.string(m.exchange)
            let routingKey: String
            if let last = ch?.lastRoutingKey, CDecoding.equals(m.routing_key, last) {
                routingKey = last
            } else {
                routingKey = CDecoding.string(m.routing_key)
                ch?.lastRoutingKey = routingKey
            }
            guard let content = readContent(conn, chID, limit: consumer?.bodyLimit ?? .max) else { return }
            let d = content.delivery(
                tag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey, consumerTag: tag,
                generation: generation)
            if let consumer {
                if let buffer = consumer.deliver(d) { dirtyBuffers.append(buffer) }
            } else if let ch, let queue = ch.cancelled[tag], let late = ch.lateDeliveryHandler {
                late(queue, d)
            } else {
                // Unknown consumer: hand it back rather than hold it unacked.
                _ = amqp_basic_reject(conn.state, chID, deliveryTag, 1)
                ch?.rejectedUnclaimed += 1
            }
        case AMQP_BASIC_RETURN_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let code = m.reply_code
            let text = CDecoding.string(m.reply_text)
            let exchange = CDecoding.string(m.exchange)
            let routingKey = CDecoding.string(m.routing_key)
            guard let content = readContent(conn, chID) else { return }
            channels[chID]?.pendingReturns.append(
                ReturnedMessage(
                    replyCode: code, replyText: text, exchange: exchange, routingKey: routingKey, body: content.body,
                    properties: content.properties))
        case AMQP_BASIC_GET_OK_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
            let deliveryTag = m.delivery_tag, redelivered = m.redelivered != 0
            let exchange = CDecoding.string(m.exchange), routingKey = CDecoding.string(m.routing_key)
            guard let content = readContent(conn, chID) else { return }
            guard let ch = channels[chID], !ch.pendingGets.isEmpty else { return }
            let delivery = content.delivery(
                tag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey, consumerTag: nil,
                generation: generation)
            ch.pendingGets.removeFirst().complete(.success(delivery))
        case AMQP_BASIC_GET_EMPTY_METHOD:
            if let ch = channels[chID], !ch.pendingGets.isEmpty { ch.pendingGets.removeFirst().complete(.success(nil)) }
        case AMQP_BASIC_ACK_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            if let ch = channels[chID] { handleConfirm(ch, tag: m.delivery_tag, multiple: m.multiple != 0, nack: false) }
        case AMQP_BASIC_NACK_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            if let ch = channels[chID] { handleConfirm(ch, tag: m.delivery_tag, multiple: m.multiple != 0, nack: true) }
        case AMQP_BASIC_CANCEL_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            let tag = CDecoding.string(m.consumer_tag)
            if let c = channels[chID]?.consumers.removeValue(forKey: tag) {
                c.finish(AMQPError(.channelClosed, "the broker cancelled consumer '\(tag)' on queue '\(c.queue)' (queue deleted or its node lost?)"))
            }
        case AMQP_CHANNEL_CLOSE_OK_METHOD:
            if channels[chID]?.closing == true { channels[chID] = nil }
        case AMQP_CHANNEL_CLOSE_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            var ok = amqp_channel_close_ok_t()
            _ = amqp_send_method(conn.state, chID, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
            if channels[chID]?.closing == true {
                // Both sides closed at once: the broker's close stands for its close-ok.
                channels[chID] = nil
            } else if let ch = channels[chID] {
                channelClosedByBroker(
                    ch,
                    AMQPError(
                        .channelClosed,
                        "the broker closed channel \(chID): \(m.reply_code) \(CDecoding.string(m.reply_text))",
                        replyCode: m.reply_code))
            }
        case AMQP_CONNECTION_CLOSE_METHOD:
            let m = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(conn.state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            connectionLost("the broker closed the connection: \(m.reply_code) \(CDecoding.string(m.reply_text))")
        default:
            break  // channel.flow, connection.blocked, late replies: nothing to do
        }
    }

    /// Hands each consumer what this pump read, as one batch.
    func flushDeliveries() {
        guard !dirtyBuffers.isEmpty else { return }
        for b in dirtyBuffers { b.flush() }
        dirtyBuffers.removeAll(keepingCapacity: true)
    }

    func handleConfirm(_ ch: ChannelState, tag: UInt64, multiple: Bool, nack: Bool) {
        func finish(_ p: PendingPublish) {
            if nack {
                p.complete(
                    .failure(AMQPError(.nacked, "the broker rejected the message published to '\(p.exchange)' with routing key '\(p.routingKey)' (basic.nack)"))
                )
            } else if !ch.pendingReturns.isEmpty, let i = ch.pendingReturns.firstIndex(where: p.matches) {
                let r = ch.pendingReturns.remove(at: i)
                p.complete(
                    .failure(
                        AMQPError(
                            .returned,
                            "message to exchange '\(r.exchange)' with routing key '\(r.routingKey)' was returned: \(r.replyCode) \(r.replyText)",
                            returned: r, replyCode: r.replyCode)))
            } else {
                p.complete(.success(()))
            }
        }
        if multiple {
            var s = ch.lowestUnconfirmed
            while s <= tag {
                if let p = ch.unconfirmed.removeValue(forKey: s) { finish(p) }
                s += 1
            }
            ch.lowestUnconfirmed = max(ch.lowestUnconfirmed, tag &+ 1)
        } else {
            if let p = ch.unconfirmed.removeValue(forKey: tag) { finish(p) }
        }
        while ch.lowestUnconfirmed < ch.nextSeq && ch.unconfirmed[ch.lowestUnconfirmed] == nil {
            ch.lowestUnconfirmed += 1
        }
        // A return always precedes the confirm of its message; anything left is stale.
        if !ch.pendingReturns.isEmpty { ch.pendingReturns.removeAll() }
    }

    /// Fails publishes whose confirm did not come within `publishConfirmTimeout`.
    func checkDeadlines() {
        let now = ContinuousClock.now
        guard now - lastDeadlineCheck >= .milliseconds(100) else { return }
        lastDeadlineCheck = now
        let limit = configuration.publishConfirmTimeout
        for ch in channels.values {
            if !ch.outbox.isEmpty && connection == nil {
                ch.outbox.removeAll { p in
                    guard p.deadline <= now else { return false }
                    p.complete(
                        .failure(
                            AMQPError(
                                .connectionLost,
                                "publish to exchange '\(p.exchange)' with routing key '\(p.routingKey)' not confirmed within \(limit): the connection was lost and not restored in time"
                            )))
                    return true
                }
            }
            var seq = ch.lowestUnconfirmed
            while seq < ch.nextSeq {
                if let p = ch.unconfirmed[seq] {
                    if p.deadline > now { break }
                    ch.unconfirmed[seq] = nil
                    p.complete(
                        .failure(
                            AMQPError(
                                .timeout,
                                "no confirm from the broker within \(limit) for the message published to '\(p.exchange)' with routing key '\(p.routingKey)'")))
                }
                seq += 1
            }
            ch.lowestUnconfirmed = seq
        }
    }
}
