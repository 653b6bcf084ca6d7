import AMQP
import JobletCore

extension AMQPChannel {
    /// Moves `delivery` to `joblet.dead` with `reason` in the `x-joblet-reason` header, then acks
    /// it. (A plain reject cannot carry a reason.) The copy is confirmed before the ack, so the
    /// message is never lost; at worst it is dead-lettered twice.
    /// The copy is published as this connection's user (the broker allows no other `user_id`); the
    /// original sender is kept in `x-joblet-original-user-id`. `extraHeaders` are added (e.g. `x-joblet-refused`).
    public func deadLetter(_ delivery: Delivery, reason: String, queue: String, extraHeaders: FieldTable = [:]) async throws {
        var properties = delivery.properties
        var headers = properties.headers ?? [:]
        // Always overwritten: a sender without user_id must not be able to name one here.
        headers["x-joblet-original-user-id"] = .string(properties.userID ?? "")
        properties.userID = connection.user
        headers.merge(extraHeaders) { _, new in new }
        headers[Topology.reasonHeader] = .string(reason)
        headers["x-joblet-original-queue"] = .string(queue)
        headers["x-joblet-original-exchange"] = .string(delivery.exchange)
        headers["x-joblet-original-routing-key"] = .string(delivery.routingKey)
        properties.headers = headers
        try await publish(
            delivery.body, exchange: Topology.deadLetterExchange, routingKey: queue,
            properties: properties)
        try await ack(delivery)
    }
}
