import AMQP
import TestSupport
import Testing

@Test(
    "10,000 persistent messages with pipelined confirms arrive exactly once",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func roundTripTenThousand() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let queue = TestBroker.uniqueName("roundtrip")
        try await ch.declareQueue(queue, durable: true, autoDelete: false)
        try await ch.enableConfirms()
        let total = 10_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<total {
                if i >= 512 { try await group.next() }  // keep up to 512 publishes in flight
                group.addTask {
                    try await ch.publish(
                        Array("message \(i)".utf8), exchange: "", routingKey: queue,
                        properties: BasicProperties(deliveryMode: .persistent, messageID: "\(i)"))
                }
            }
            try await group.waitForAll()
        }
        let declared = try await ch.declareQueue(queue, durable: true)
        #expect(declared.messageCount == UInt32(total))

        let consumerChannel = try await conn.openChannel()
        try await consumerChannel.qos(prefetchCount: 300)
        let consumer = try await consumerChannel.consume(queue: queue)
        var seen = Set<String>()
        var duplicates = 0
        for try await d in consumer {
            let id = try #require(d.properties.messageID)
            #expect(d.body == Array("message \(id)".utf8))
            #expect(d.properties.deliveryMode == .persistent)
            if !seen.insert(id).inserted { duplicates += 1 }
            try await consumerChannel.ack(d)
            if seen.count == total { break }
        }
        #expect(duplicates == 0)
        #expect(seen == Set((0..<total).map(String.init)))
        try await consumerChannel.cancel(consumerTag: consumer.consumerTag)
        #expect(try await ch.get(queue: queue) == nil)
        try await ch.deleteQueue(queue)
    }
}

@Test(
    "a mandatory publish nobody can route throws .returned carrying the message",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func mandatoryUnroutableIsReturned() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        try await ch.enableConfirms()
        let key = TestBroker.uniqueName("nobody-home")
        let body = Array("lost job".utf8)
        let error = await #expect(throws: AMQPError.self) {
            try await ch.publish(
                body, exchange: "", routingKey: key,
                properties: BasicProperties(messageID: "m1"), mandatory: true)
        }
        #expect(error?.code == .returned)
        #expect(error?.returned?.body == body)
        #expect(error?.returned?.routingKey == key)
        #expect(error?.returned?.properties.messageID == "m1")
        #expect(error?.replyCode == 312)  // NO_ROUTE
        // The channel stays usable: a routable publish afterwards is confirmed.
        let queue = TestBroker.uniqueName("after-return")
        try await ch.declareQueue(queue, durable: false, autoDelete: true)
        try await ch.publish(body, exchange: "", routingKey: queue, mandatory: true)
        #expect(try await ch.get(queue: queue)?.body == body)
    }
}

@Test(
    "headers and properties survive the round trip",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func propertiesRoundTrip() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let queue = TestBroker.uniqueName("props")
        try await ch.declareQueue(queue, durable: false, exclusive: true)
        let props = BasicProperties(
            contentType: "application/json", contentEncoding: "utf-8",
            headers: [
                "s": .string("x"), "i": .int(-42), "b": .bool(true), "d": .double(1.5),
                "t": .table(["n": .int(1)]), "a": .array([.string("p"), .int(2)]), "v": .void,
            ],
            deliveryMode: .transient, priority: 3, correlationID: "c", replyTo: "r", expiration: "60000",
            messageID: "m", timestamp: 1_700_000_000, type: "joblet.job.request.v1", appID: "tests")
        try await ch.publish([1, 2, 3], exchange: "", routingKey: queue, properties: props)
        var got: Delivery?
        while got == nil { got = try await ch.get(queue: queue) }
        let d = try #require(got)
        #expect(d.properties == props)
        #expect(d.body == [1, 2, 3])
        #expect(d.routingKey == queue)
        try await ch.ack(d)
    }
}
