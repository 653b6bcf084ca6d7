import AMQP
import TestSupport
import Testing

@Test(
    "an RPC call with no server times out with an error naming the routing key",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func rpcTimeout() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let rpc = try await RPCClient(connection: conn)
        let key = TestBroker.uniqueName("rpc-nobody")
        let e = await #expect(throws: AMQPError.self) {
            _ = try await rpc.call(routingKey: key, body: [1], timeout: .milliseconds(300))
        }
        #expect(e?.code == .timeout)
        #expect(e?.message.contains(key) == true)
    }
}

@Test(
    "RPC round trip over direct reply-to with a tiny responder",
    .integration(needs: [.broker]), .timeLimit(.minutes(10)))
func rpcRoundTrip() async throws {
    let url = try await TestBroker.shared()
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: url))
    try await withCleanup {
        await conn.close()
    } do: {
        let server = try await conn.openChannel()
        let queue = TestBroker.uniqueName("rpc")
        try await server.declareQueue(queue, durable: false, exclusive: true)
        let requests = try await server.consume(queue: queue)
        let rpc = try await RPCClient(connection: conn)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await answerRequests(requests, on: server) { Array("pong:".utf8) + $0.body } }
            for i in 0..<20 {
                let reply = try await rpc.call(routingKey: queue, body: Array("ping\(i)".utf8), timeout: .seconds(20))
                #expect(reply.body == Array("pong:ping\(i)".utf8))
            }
            try await server.cancel(consumerTag: requests.consumerTag)
            try await group.waitForAll()
        }
    }
}
