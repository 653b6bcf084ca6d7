import CRabbitMQ

/// A channel.close or connection.close the broker sent instead of an RPC's reply: its code and
/// text, answered with close-ok, which the protocol requires before the id is used again.
enum BrokerClose {
    static func channel(_ reply: amqp_rpc_reply_t, id: UInt16, state: amqp_connection_state_t) -> (code: UInt16, text: String) {
        let close = reply.reply.decoded?.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
        var ok = amqp_channel_close_ok_t()
        _ = amqp_send_method(state, id, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
        return (close?.reply_code ?? 0, close.map { CDecoding.string($0.reply_text) } ?? "")
    }

    static func connection(_ reply: amqp_rpc_reply_t, state: amqp_connection_state_t) -> (code: UInt16, text: String) {
        let close = reply.reply.decoded?.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
        var ok = amqp_connection_close_ok_t()
        _ = amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
        return (close?.reply_code ?? 0, close.map { CDecoding.string($0.reply_text) } ?? "")
    }
}
