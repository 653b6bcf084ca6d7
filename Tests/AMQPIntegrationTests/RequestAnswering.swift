import AMQP

/// A test server's side of direct reply-to: answers each request on `requests` (consumed on `server`)
/// with `reply`'s body, to its `reply_to` with its correlation id, then acks it. Ends with the consumer.
func answerRequests(
    _ requests: AMQPConsumer, on server: AMQPChannel, with reply: @Sendable (Delivery) async throws -> [UInt8]
) async throws {
    for try await request in requests {
        guard let replyTo = request.properties.replyTo else { continue }
        try await server.publish(
            try await reply(request), exchange: "", routingKey: replyTo,
            properties: BasicProperties(correlationID: request.properties.correlationID))
        try await server.ack(request)
    }
}
