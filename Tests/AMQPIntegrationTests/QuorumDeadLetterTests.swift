import AMQP
import TestSupport
import Testing

@Test("a message rejected from a quorum queue lands in the dead-letter queue with its headers", .integration(needs: [.broker]))
func quorumDeadLetter() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let dlx = TestBroker.uniqueName("dead")
        let dlq = TestBroker.uniqueName("dead-q")
        let queue = TestBroker.uniqueName("jobs")
        try await ch.declareExchange(dlx, kind: .fanout, durable: true, autoDelete: true)
        try await ch.declareQueue(dlq, durable: true)
        try await ch.bindQueue(dlq, exchange: dlx, routingKey: "")
        try await ch.declareQueue(
            queue, durable: true,
            arguments: [
                "x-queue-type": .string("quorum"),
                "x-delivery-limit": .int(3),
                "x-dead-letter-exchange": .string(dlx),
            ])
        try await ch.enableConfirms()
        let headers: FieldTable = ["reason": .string("poison"), "attempt": .int(7)]
        try await ch.publish(
            Array("bad job".utf8), exchange: "", routingKey: queue,
            properties: BasicProperties(headers: headers, deliveryMode: .persistent, messageID: "job-1"))
        let worker = try await conn.openChannel()
        try await worker.qos(prefetchCount: 1)
        var it = try await worker.consume(queue: queue).makeAsyncIterator()
        let job = try #require(try await it.next())
        #expect(job.body == Array("bad job".utf8))
        try await worker.reject(job, requeue: false)

        var dead = try await ch.consume(queue: dlq).makeAsyncIterator()
        let d = try #require(try await dead.next())
        #expect(d.body == Array("bad job".utf8))
        #expect(d.properties.messageID == "job-1")
        #expect(d.properties.headers?["reason"] == .string("poison"))
        #expect(d.properties.headers?["attempt"] == .int(7))
        try await ch.ack(d)
        try await ch.deleteQueue(queue)
        try await ch.deleteQueue(dlq)
    }
}
