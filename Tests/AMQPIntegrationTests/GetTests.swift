import AMQP
import TestSupport
import Testing

@Test(
    "basic.get on a connection whose other channel is consuming: every get answers its own message, every delivery reaches the consumer, the connection stays up",
    .integration(needs: [.broker]), .timeLimit(.minutes(5)))
func getBesideAConsumer() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let setup = try await conn.openChannel()
        try await setup.enableConfirms()
        let fetched = TestBroker.uniqueName("get-fetched")
        let streamed = TestBroker.uniqueName("get-streamed")
        for queue in [fetched, streamed] { try await setup.declareQueue(queue, durable: false, exclusive: true, autoDelete: true) }
        let total = 200
        for i in 0..<total {
            try await setup.publish(Array("fetched \(i)".utf8), exchange: "", routingKey: fetched, properties: BasicProperties(messageID: "\(i)"))
        }

        let consuming = try await conn.openChannel()
        let consumer = try await consuming.consume(queue: streamed)
        let received = Task {
            var count = 0
            for try await delivery in consumer {
                try await consuming.ack(delivery)
                count += 1
                if count == total { break }
            }
            return count
        }
        // Deliveries keep arriving on the consumer's channel while the gets wait for their answers.
        let publisher = Task {
            for i in 0..<total {
                try await setup.publish(Array("streamed \(i)".utf8), exchange: "", routingKey: streamed, properties: BasicProperties())
            }
        }

        let getter = try await conn.openChannel()
        var bodies: [String] = []
        var generations = Set<UInt64>()
        while let delivery = try await getter.get(queue: fetched) {
            #expect(delivery.routingKey == fetched)
            generations.insert(delivery.generation)
            bodies.append(String(decoding: delivery.body, as: UTF8.self))
            try await getter.ack(delivery)
        }
        try await publisher.value
        #expect(try await received.value == total)
        #expect(bodies == (0..<total).map { "fetched \($0)" })
        // A connection lost and restored meanwhile would show as a second generation.
        #expect(generations.count == 1 && conn.isConnected, "\(generations)")
        #expect(try await getter.get(queue: fetched) == nil)
    }
}

@Test("basic.get from a queue that does not exist fails with the broker's 404, and the connection stays up", .integration(needs: [.broker]))
func getFromAMissingQueue() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let channel = try await conn.openChannel()
        let error = await #expect(throws: AMQPError.self) { try await channel.get(queue: TestBroker.uniqueName("get-missing")) }
        #expect(error?.replyCode == 404, "\(String(describing: error))")
        let other = try await conn.openChannel()
        let queue = TestBroker.uniqueName("get-after")
        try await other.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        #expect(try await other.get(queue: queue) == nil)
    }
}
