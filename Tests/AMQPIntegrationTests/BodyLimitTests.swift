import AMQP
import TestSupport
import Testing

/// `consume(bodyLimit:)`: what one message may cost the consuming process, whatever a sender with
/// broker credentials publishes.
@Suite(.integration(needs: [.broker]), .timeLimit(.minutes(5)))
struct BodyLimitTests {
    @Test(
        "a body past the consumer's limit is dropped as it arrives: its delivery says so and holds no bytes, the process does not grow by it, and the messages around it arrive whole"
    )
    func anOversizedBodyIsDroppedAndItsNeighboursArriveWhole() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let ch = try await conn.openChannel()
            let queue = TestBroker.uniqueName("body-limit")
            try await ch.declareQueue(queue, durable: false, autoDelete: false)
            try await ch.enableConfirms()
            // Several frames each (frame_max is 128 KiB), with a pattern that shows a shifted or torn copy.
            let whole = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
            let oversized = 96 << 20
            try await ch.publish(whole, exchange: "", routingKey: queue, properties: BasicProperties(messageID: "before"))
            try await ch.publish(
                [UInt8](repeating: 7, count: oversized), exchange: "", routingKey: queue, properties: BasicProperties(messageID: "oversized"))
            try await ch.publish(whole, exchange: "", routingKey: queue, properties: BasicProperties(messageID: "after"))

            let baseline = try #require(ResidentMemory.current())
            let consumerChannel = try await conn.openChannel()
            try await consumerChannel.qos(prefetchCount: 3)
            let consumer = try await consumerChannel.consume(queue: queue, bodyLimit: 4 << 20)
            var received: [String: Delivery] = [:]
            var peak = baseline
            for try await delivery in consumer {
                peak = max(peak, ResidentMemory.current() ?? 0)
                received[delivery.properties.messageID ?? "?"] = delivery
                try await consumerChannel.ack(delivery)
                if received.count == 3 { break }
            }
            let dropped = try #require(received["oversized"])
            #expect(dropped.droppedBody == DroppedBody(size: UInt64(oversized), limit: 4 << 20))
            #expect(dropped.body.isEmpty)
            for id in ["before", "after"] {
                let delivery = try #require(received[id])
                #expect(delivery.droppedBody == nil)
                #expect(delivery.body == whole, "\(id): \(delivery.body.count) bytes")
            }
            // Kept whole, the 96 MiB body would be in memory at least once (librabbitmq's frame pool keeps
            // its pages after a message). Other suites run in this process meanwhile, hence the margin.
            #expect(peak - baseline < 40 << 20, "RSS \(baseline >> 20) -> \(peak >> 20) MiB")
            try await consumerChannel.cancel(consumerTag: consumer.consumerTag)
            try await ch.deleteQueue(queue)
        }
    }
}
