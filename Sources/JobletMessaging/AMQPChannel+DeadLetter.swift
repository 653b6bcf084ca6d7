import AMQP
import JobletCore

extension AMQPChannel {
    /// Moves `delivery` to `joblet.dead` with `reason` in the `x-joblet-reason` header, then acks
    /// it. (A plain reject cannot carry a reason.) The copy is confirmed before the ack, so the
    /// message is never lost; at worst it is dead-lettered twice.
    public func deadLetter(_ delivery: Delivery, reason: String, queue: String) async throws {
        var properties = delivery.properties
        var headers = properties.headers ?? [:]
        headers[Topology.reasonHeader] = .string(reason)
        headers["x-joblet-original-queue"] = .string(queue)
        headers["x-joblet-original-exchange"] = .string(delivery.exchange)
        headers["x-joblet-original-routing-key"] = .string(delivery.routingKey)
        properties.headers = headers
        try await publish(delivery.body, exchange: Topology.deadLetterExchange, routingKey: queue,
                          properties: properties)
        try await ack(delivery)
    }
}
