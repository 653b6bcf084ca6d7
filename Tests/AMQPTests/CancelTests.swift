import AMQP
import TestSupport
import Testing

@Test("cancelling a consumer hands it every delivery sent before the cancel-ok; none is rejected back to the queue")
func cancelKeepsInFlightDeliveries() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    defer { Task { await conn.close() } }
    let ch = try await conn.openChannel()
    let queue = TestBroker.uniqueName("cancel")
    try await ch.declareQueue(queue, durable: false, autoDelete: false)
    try await ch.enableConfirms()
    let total = 200
    for i in 0..<total {
        try await ch.publish(Array("\(i)".utf8), exchange: "", routingKey: queue, properties: BasicProperties(messageID: "\(i)"))
    }
    let consumerChannel = try await conn.openChannel()
    try await consumerChannel.qos(prefetchCount: UInt16(total))
    let consumer = try await consumerChannel.consume(queue: queue)
    // At once: the broker is still pushing, so deliveries arrive while the cancel waits for its reply.
    try await consumerChannel.cancel(consumerTag: consumer.consumerTag)
    var seen: [String] = []
    var redelivered = 0
    for try await d in consumer {
        seen.append(d.properties.messageID ?? "")
        if d.redelivered { redelivered += 1 }
        try await consumerChannel.ack(d)
    }
    // What the consumer did not get is still in the queue, never delivered (a rejected one would say redelivered).
    while let d = try await ch.get(queue: queue) {
        seen.append(d.properties.messageID ?? "")
        if d.redelivered { redelivered += 1 }
        try await ch.ack(d)
    }
    #expect(redelivered == 0)
    #expect(seen.sorted() == (0..<total).map(String.init).sorted())
    try await ch.deleteQueue(queue)
}
