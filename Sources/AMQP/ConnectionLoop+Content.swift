import CRabbitMQ
#if canImport(Glibc)
    import Glibc
#endif

/// A message's properties and body, as read from its content frames.
struct Content {
    var body: [UInt8]
    var properties: BasicProperties
    /// Set when the body was larger than the reader's limit: it was read off the socket and dropped.
    var dropped: DroppedBody?

    /// The delivery this content completes (deliver or get-ok); `consumerTag` nil for basic.get.
    func delivery(
        tag: UInt64, redelivered: Bool, exchange: String, routingKey: String, consumerTag: String?, generation: UInt64
    ) -> Delivery {
        var delivery = Delivery(
            body: body, properties: properties, deliveryTag: tag, redelivered: redelivered,
            exchange: exchange, routingKey: routingKey, consumerTag: consumerTag, generation: generation)
        delivery.droppedBody = dropped
        return delivery
    }
}

extension ConnectionLoop {
    /// RabbitMQ's `max_message_size` cannot be set past 512 MiB: a header announcing more is not kept
    /// whatever the consumer's limit (it would be an allocation of whatever size it says).
    static let largestBody = 512 << 20

    /// Reads the content header and body frames that follow deliver/return/get-ok, copying each body
    /// frame straight into the message's array. A body larger than `limit` is read and dropped frame by
    /// frame, so a hostile message costs one frame of memory, not its announced size. The channel's
    /// frame pool is recycled after every body frame (librabbitmq keeps every frame of a message in that
    /// pool until it is recycled, and keeps the pool's pages afterwards): the process holds one frame,
    /// not the largest message it ever read. nil when the connection was lost meanwhile.
    func readContent(_ conn: RabbitConnection, _ chID: UInt16, limit: Int = .max) -> Content? {
        var frame = amqp_frame_t()
        guard nextFrame(conn, chID, &frame, expecting: UInt8(AMQP_FRAME_HEADER)),
            let decoded = frame.payload.properties.decoded
        else { return nil }
        let size = frame.payload.properties.body_size
        let properties = CDecoding.properties(decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
        amqp_maybe_release_buffers_on_channel(conn.state, chID)
        let limit = max(0, min(limit, Self.largestBody))
        guard size <= UInt64(limit) else {
            guard readBody(conn, chID, size: size, into: { _, _ in }) else { return nil }
            return Content(body: [], properties: properties, dropped: DroppedBody(size: size, limit: limit))
        }
        var complete = true
        let body = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, initialized in
            complete = readBody(conn, chID, size: size) { source, count in
                if let base = buffer.baseAddress { memcpy(base + initialized, source, count) }
                initialized += count
            }
        }
        return complete ? Content(body: body, properties: properties, dropped: nil) : nil
    }

    /// Reads the `size` bytes of body frames that follow a content header, handing each non-empty frame's
    /// bytes to `take` (valid only during the call) and recycling the channel's pool after every frame.
    /// False when the connection was lost or the broker sent more than the header announced.
    private func readBody(
        _ conn: RabbitConnection, _ chID: UInt16, size: UInt64, into take: (UnsafeRawPointer, Int) -> Void
    ) -> Bool {
        var frame = amqp_frame_t()
        var read: UInt64 = 0
        while read < size {
            guard let count = nextBodyFrame(conn, chID, &frame, remaining: size - read) else { return false }
            if count > 0, let source = frame.payload.body_fragment.bytes { take(source, count) }
            read += UInt64(count)
            amqp_maybe_release_buffers_on_channel(conn.state, chID)
        }
        return true
    }

    /// The next body frame's length (its bytes are in `frame` until the pool is recycled), or nil when
    /// the connection was lost or the broker sent more than the header announced.
    private func nextBodyFrame(_ conn: RabbitConnection, _ chID: UInt16, _ frame: inout amqp_frame_t, remaining: UInt64) -> Int? {
        guard nextFrame(conn, chID, &frame, expecting: UInt8(AMQP_FRAME_BODY)) else { return nil }
        let count = frame.payload.body_fragment.len
        guard UInt64(count) <= remaining else {
            connectionLost("the broker sent a message body longer than its content header announced")
            return nil
        }
        return count
    }

    /// Waits for the channel's next frame; false (the connection is dropped) unless it is of `type`.
    /// librabbitmq's own wait for one channel's frames is not exported (0.11); RabbitMQ writes a message's
    /// frames in one piece per channel, so the next frame that is not a heartbeat belongs to this message.
    private func nextFrame(_ conn: RabbitConnection, _ chID: UInt16, _ frame: inout amqp_frame_t, expecting type: UInt8) -> Bool {
        var rc: Int32
        repeat {
            rc = amqp_simple_wait_frame(conn.state, &frame)
        } while rc == AMQP_STATUS_OK.rawValue && frame.frame_type == UInt8(AMQP_FRAME_HEARTBEAT)
        guard rc == AMQP_STATUS_OK.rawValue else {
            connectionLost("reading a message failed: \(statusText(rc))")
            return false
        }
        guard frame.channel == chID, frame.frame_type == type else {
            // A channel or connection close in the middle of a message, or a protocol error: either way
            // the message is incomplete, and the reconnect restores the channel.
            connectionLost(
                "reading a message on channel \(chID) failed: frame type \(frame.frame_type) on channel \(frame.channel) where type \(type) was due")
            return false
        }
        return true
    }
}
