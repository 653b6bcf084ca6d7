import AMQP
import TestSupport
import Testing

/// `startPublish` hands messages to the connection in call order, before any confirm is awaited,
/// which the worker relies on: `running`, log chunks and the result are started one after the other
/// and must reach their queue in that order.
@Test("publishes started one after another arrive in order, and each receipt reports its confirm or its return", .integration(needs: [.broker]))
func startedPublishesKeepTheirOrder() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let queue = TestBroker.uniqueName("ordered")
        try await ch.declareQueue(queue, durable: true, autoDelete: false)
        try await ch.enableConfirms()
        let total = 2_000
        let receipts = (0..<total).map { i in
            ch.startPublish(
                Array("\(i)".utf8), exchange: "", routingKey: queue,
                properties: BasicProperties(deliveryMode: .persistent))
        }
        // Confirms awaited newest first: a receipt holds its outcome whenever it is asked.
        for receipt in receipts.reversed() { try await receipt.confirmed() }
        let unroutable = ch.startPublish(
            Array("nobody".utf8), exchange: "", routingKey: TestBroker.uniqueName("nobody-home"),
            mandatory: true)
        let error = await #expect(throws: AMQPError.self) { try await unroutable.confirmed() }
        #expect(error?.code == .returned)

        var received: [Int] = []
        while received.count < total, let delivery = try await ch.get(queue: queue) {
            received.append(Int(String(decoding: delivery.body, as: UTF8.self)) ?? -1)
            try await ch.ack(delivery)
        }
        #expect(received == Array(0..<total))
        try await ch.deleteQueue(queue)
    }
}
