import AMQP
import TestSupport
import Testing

@Test(
    "after a broker restart the consumer resumes and no confirmed message is lost",
    .integration(needs: [.brokerNodes]), .timeLimit(.minutes(8)))  // a hang guard: one CI run under load took over 3 minutes
func reconnectAfterBrokerRestart() async throws {
    let broker = try await TestBroker.startPrivate(name: "reconnect")
    let bench = try await RestartBench.open(
        RestartBench.configuration(urls: [broker.url], name: "reconnect-test", confirmTimeout: .seconds(120)), queue: "jobs.reconnect")
    let conn = bench.connection, consumerChannel = bench.consumerChannel
    var deliveries = bench.consumer.makeAsyncIterator()
    var events = conn.events.makeAsyncIterator()

    // Before the restart: 50 confirmed messages, all consumed; the last one consumed stays unacked.
    try await bench.publish(0..<50)
    var before = Set<String>()
    var held: Delivery?
    while before.count < 50 {
        let d = try #require(try await deliveries.next())
        before.insert(d.properties.messageID ?? "")
        if before.count == 50 { held = d } else { try await consumerChannel.ack(d) }
    }
    #expect(conn.generation == 0)

    try await broker.stop()
    guard case .disconnected = try #require(await events.next()) else {
        Issue.record("expected a .disconnected event"); return
    }
    #expect(!conn.isConnected)
    // Published while the broker is down: kept and sent after the reconnect, then confirmed.
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await bench.publish(50..<100) }
        try await broker.start()
        try await group.waitForAll()
    }
    #expect(conn.isConnected)
    #expect(conn.generation >= 1)

    // The delivery of the old connection can no longer be acked: it is redelivered instead.
    let stale = await #expect(throws: AMQPError.self) { try await consumerChannel.ack(try #require(held)) }
    #expect(stale?.code == .staleDelivery)

    // The same consumer sequence continues with every message not acked before the restart: the held
    // one and 50..<100. The held one is not necessarily "49": publish(0..<50) publishes from
    // concurrent tasks, so the broker may get (and deliver) them in any order.
    let heldID = try #require(held?.properties.messageID)
    let expected = Set((50..<100).map(String.init) + [heldID])
    var after = Set<String>()
    while !expected.isSubset(of: after) {
        let d = try #require(try await deliveries.next())
        #expect(d.generation >= 1)
        after.insert(d.properties.messageID ?? "")
        try await consumerChannel.ack(d)
    }
    // Anything else would be a message acked before the restart whose ack the broker never saw.
    #expect(after.subtracting(expected).isSubset(of: before))
    await conn.close()
    try await broker.destroy()
}
