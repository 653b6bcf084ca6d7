import AMQP
import Synchronization
import TestSupport
import Testing

@Test(
    "cancelling a consumer hands it every delivery sent before the cancel-ok; none is rejected back to the queue",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func cancelKeepsInFlightDeliveries() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
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
}

/// A quorum queue may still deliver to a consumer after its cancel-ok (rabbitmq-server#3729: the
/// channel forgets the consumer before the queue does). Rejecting such a delivery back would count as
/// a failed delivery (`x-delivery-count`), and a job would be declared lost after enough cancels without
/// ever running: late deliveries go to the channel's late-delivery handler instead.
@Test(
    "deliveries a quorum queue sends after a cancel-ok reach the late-delivery handler; the library rejects none back",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func lateDeliveriesAfterCancelAreKept() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let total = 300
        let queue = try await quorumQueue("late", messages: total, on: ch)
        let late = LateDeliveries()
        let consumerChannel = try await prefetchOneChannel(conn, late: late)
        var received: [Delivery] = []
        // Start a consumer and cancel it at once, again and again: the churn of a worker whose slots fill
        // and free while the queue is full, where a delivery races each cancel.
        for _ in 0..<2_000 where received.count < total {
            let consumer = try await consumerChannel.consume(queue: queue)
            try await consumerChannel.cancel(consumerTag: consumer.consumerTag)
            var arrived: [Delivery] = []
            for try await delivery in consumer { arrived.append(delivery) }
            arrived += late.take(from: queue)
            for delivery in arrived { try await consumerChannel.ack(delivery) }
            received += arrived
        }
        // The library's part: it rejected none back. A delivery may still come back with
        // x-delivery-count when the broker itself returned it (RabbitMQ 3.10's quorum queue did, once
        // in CI): that is the broker's doing, not a rejection, so it is only reported.
        #expect(try await consumerChannel.rejectedUnclaimedDeliveries() == 0)
        let counted = received.filter { $0.properties.headers?["x-delivery-count"] != nil }
        if !counted.isEmpty { print("CancelTests: \(counted.count) of \(total) deliveries were returned by the broker itself") }
        #expect(received.compactMap(\.properties.messageID).sorted() == (0..<total).map(String.init).sorted())
        try await ch.deleteQueue(queue)
    }
}

/// The worker's settle: a consumer with prefetch 1 whose one delivery is unsettled is cancelled
/// without waiting for the cancel-ok, then the delivery is acked. The broker sees the cancel first,
/// so the freed window brings that consumer nothing more.
@Test(
    "a no-wait cancel before the settle of a used-up window ends the consumer at once; nothing more reaches it",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func noWaitCancelBeforeSettle() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let total = 200
        let queue = try await quorumQueue("nowait-cancel", messages: total, on: ch)
        let late = LateDeliveries()
        let consumerChannel = try await prefetchOneChannel(conn, late: late)
        var received: [Delivery] = []
        for _ in 0..<total {
            let consumer = try await consumerChannel.consume(queue: queue)
            var arrived: [Delivery] = []
            for try await delivery in consumer {
                arrived.append(delivery)
                try await consumerChannel.cancel(consumerTag: consumer.consumerTag, noWait: true)
                try await consumerChannel.ack(delivery)
            }
            // The sequence ended right after the cancel, with the one delivery of the window.
            #expect(arrived.count == 1)
            received += arrived
        }
        // A get waits for the broker, so every cancel and ack above was handled before it: the queue
        // is empty, nothing came late, and every message was delivered once, never returned.
        #expect(try await consumerChannel.get(queue: queue) == nil)
        #expect(late.take(from: queue).isEmpty)
        #expect(try await consumerChannel.rejectedUnclaimedDeliveries() == 0)
        #expect(received.allSatisfy { $0.properties.headers?["x-delivery-count"] == nil && !$0.redelivered })
        #expect(received.compactMap(\.properties.messageID).sorted() == (0..<total).map(String.init).sorted())
        try await ch.deleteQueue(queue)
    }
}

/// A new quorum queue holding messages "0"..<total (their message ids the same), confirmed.
private func quorumQueue(_ prefix: String, messages total: Int, on ch: AMQPChannel) async throws -> String {
    let queue = TestBroker.uniqueName(prefix)
    try await ch.declareQueue(queue, durable: true, autoDelete: false, arguments: ["x-queue-type": .string("quorum")])
    try await ch.enableConfirms()
    for i in 0..<total {
        try await ch.publish(Array("\(i)".utf8), exchange: "", routingKey: queue, properties: BasicProperties(messageID: "\(i)"))
    }
    return queue
}

/// A channel with prefetch 1, as a worker's job channel, whose late deliveries go to `late`.
private func prefetchOneChannel(_ conn: AMQPConnection, late: LateDeliveries) async throws -> AMQPChannel {
    let channel = try await conn.openChannel()
    try await channel.qos(prefetchCount: 1)
    try await channel.setLateDeliveryHandler { queue, delivery in late.add(queue, delivery) }
    return channel
}

private final class LateDeliveries: Sendable {
    private let byQueue = Mutex<[String: [Delivery]]>([:])
    func add(_ queue: String, _ delivery: Delivery) { byQueue.withLock { $0[queue, default: []].append(delivery) } }
    func take(from queue: String) -> [Delivery] { byQueue.withLock { $0.removeValue(forKey: queue) ?? [] } }
}
