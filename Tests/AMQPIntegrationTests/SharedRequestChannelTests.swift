import AMQP
import TestSupport
import Testing

/// A queue set up without waiting (declared as "", bound and consumed with no-wait) and a request
/// written after it on the same channel (`RPCClient(channel:)`): how `submitAndFollow` follows a job
/// with no round trip before the submission.
@Suite(.integration(needs: [.broker]), .timeLimit(.minutes(10)))
struct SharedRequestChannelTests {
    /// The server answers each request by first publishing an event under the request's key (as the
    /// dispatcher publishes a job's first event), so the event is lost unless the broker made the
    /// binds before it routed the request. Many rounds: a bind still on its way would show.
    @Test func aRequestWrittenAfterItsBindsOnTheirChannelFindsThemMade() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        let serverConn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
            await serverConn.close()
        } do: {
            let server = try await serverConn.openChannel()
            let requestQueue = TestBroker.uniqueName("shared-requests")
            let prefix = TestBroker.uniqueName("shared-events")
            try await server.declareQueue(requestQueue, durable: false, exclusive: true)
            let requests = try await server.consume(queue: requestQueue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await answerRequests(requests, on: server) { request in
                        let key = String(decoding: request.body, as: UTF8.self)
                        try await server.publish(request.body, exchange: "amq.topic", routingKey: "\(prefix).\(key)")
                        return []
                    }
                }
                for round in 0..<40 {
                    let channel = try await conn.openChannel(noWait: true)
                    try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true, noWait: true)
                    try await channel.bindQueue("", exchange: "amq.topic", routingKey: "\(prefix).\(round)", noWait: true)
                    let events = try await channel.consume(queue: "", exclusive: true, noWait: true)
                    let rpc = try await RPCClient(channel: channel, noWait: true)
                    _ = try await rpc.call(routingKey: requestQueue, body: Array("\(round)".utf8), timeout: .seconds(30))
                    var iterator = events.makeAsyncIterator()
                    let event = try await iterator.next()
                    #expect(event.map { String(decoding: $0.body, as: UTF8.self) } == "\(round)", "round \(round)")
                    if let event { try await channel.ack(event) }
                    await channel.close()
                }
                group.cancelAll()
            }
        }
    }

    /// A refused bind closes the channel and the broker drops the request written behind it: the call
    /// fails with the broker's reason at once (not after its timeout), and so does every later call.
    @Test func aCallOnAChannelTheBrokerClosedFailsWithTheBrokersReason() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let channel = try await conn.openChannel(noWait: true)
            // Set up waiting (one round trip), so the channel is open and the reply consumer there when the
            // bind is refused, whenever the broker's close comes.
            let rpc = try await RPCClient(channel: channel)
            try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true, noWait: true)
            let missing = TestBroker.uniqueName("no-such-exchange")
            try await channel.bindQueue("", exchange: missing, routingKey: "key", noWait: true)
            for attempt in ["first", "later"] {
                let error = await #expect(throws: AMQPError.self, "\(attempt) call") {
                    _ = try await rpc.call(routingKey: TestBroker.uniqueName("nobody"), body: [], timeout: .seconds(120))
                }
                #expect(error?.code == .channelClosed, "\(attempt): \(String(describing: error))")
                #expect(error?.replyCode == 404, "\(attempt): \(String(describing: error))")
                #expect(error?.message.contains(missing) == true, "\(attempt): \(String(describing: error))")
            }
        }
    }
}
