import AMQP
import TestSupport
import Testing

/// Calls that do not wait for the broker (`noWait: true`): what they do is done by the time the next
/// call that waits on the same channel returns, and what the broker refuses is reported by that call.
@Suite(.integration(needs: [.broker]), .timeLimit(.minutes(10)))
struct NoWaitTests {
    @Test func bindsAndUnbindsNotWaitedForAreInPlaceOnceTheNextCallThatWaitsReturns() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let ch = try await conn.openChannel(noWait: true)
            try await ch.qos(prefetchCount: 10, noWait: true)
            let queue = try await ch.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            let prefix = TestBroker.uniqueName("nowait")
            try await ch.bindQueue(queue, exchange: "amq.topic", routingKey: "\(prefix).a.#", noWait: true)
            try await ch.bindQueue(queue, exchange: "amq.topic", routingKey: "\(prefix).b.#", noWait: true)
            // Waits: once it returns both binds are made, so what is published from now on is routed.
            let consumer = try await ch.consume(queue: queue, exclusive: true)
            let publisher = try await conn.openChannel()
            try await publisher.enableConfirms()
            func publish(_ key: String) async throws {
                try await publisher.publish(Array(key.utf8), exchange: "amq.topic", routingKey: "\(prefix).\(key)")
            }
            for key in ["a.1", "b.2", "c.3"] { try await publish(key) }
            try await ch.unbindQueue(queue, exchange: "amq.topic", routingKey: "\(prefix).a.#", noWait: true)
            _ = try await ch.inspectQueue(queue)  // waits: the unbind is done
            for key in ["a.4", "b.5"] { try await publish(key) }

            var received: [String] = []
            for try await delivery in consumer {
                received.append(String(decoding: delivery.body, as: UTF8.self))
                try await ch.ack(delivery)
                if received.count == 3 { break }
            }
            #expect(received == ["a.1", "b.2", "b.5"])
        }
    }

    @Test func aBindTheBrokerRefusesIsReportedByTheNextCallThatWaitsAndTheConnectionGoesOn() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let ch = try await conn.openChannel(noWait: true)
            let queue = try await ch.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            let missing = TestBroker.uniqueName("no-such-exchange")
            try await ch.bindQueue(queue, exchange: missing, routingKey: "key", noWait: true)
            let error = await #expect(throws: AMQPError.self) {
                _ = try await ch.consume(queue: queue)
            }
            #expect(error?.code == .channelClosed)
            #expect(error?.replyCode == 404, "\(String(describing: error))")
            let said = "\(error?.message ?? "") \(error?.cause ?? "")"
            #expect(said.contains(missing), "\(said)")

            let other = try await conn.openChannel()
            #expect(try await other.declareQueue("", durable: false, exclusive: true, autoDelete: true).name.hasPrefix("amq.gen-"))
        }
    }

    @Test func anRPCClientSetUpWithoutWaitingGetsTheReplyToItsFirstCall() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let server = try await conn.openChannel()
            let queue = TestBroker.uniqueName("rpc-nowait")
            try await server.declareQueue(queue, durable: false, exclusive: true)
            let requests = try await server.consume(queue: queue)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await answerRequests(requests, on: server) { Array("pong:".utf8) + $0.body } }
                // The first publish follows the reply consumer on the channel, with nothing waited for between.
                let rpc = try await RPCClient(connection: conn, noWait: true)
                let reply = try await rpc.call(routingKey: queue, body: Array("ping".utf8), timeout: .seconds(20))
                #expect(reply.body == Array("pong:ping".utf8))
                try await server.cancel(consumerTag: requests.consumerTag)
                try await group.waitForAll()
            }
        }
    }

    @Test func aChannelClosedWithoutWaitingEndsItsConsumerAndItsUnackedDeliveriesGoBack() async throws {
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
        try await withCleanup {
            await conn.close()
        } do: {
            let setup = try await conn.openChannel()
            let queue = TestBroker.uniqueName("nowait-close")
            try await setup.declareQueue(queue, durable: false, exclusive: true, autoDelete: false)
            try await setup.enableConfirms()
            let total = 200
            for i in 0..<total { try await setup.publish(Array("\(i)".utf8), exchange: "", routingKey: queue) }

            let ch = try await conn.openChannel(noWait: true)
            try await ch.qos(prefetchCount: UInt16(total), noWait: true)
            let consumer = try await ch.consume(queue: queue)
            // At once: deliveries are still arriving while the close-ok is on its way. They must not be
            // settled on the closing channel (the broker would close the connection).
            await ch.close(noWait: true)
            for try await _ in consumer {}
            await #expect(throws: AMQPError.self) { try await ch.qos(prefetchCount: 1) }

            // The connection goes on, with new channels, and every message is back in the queue.
            var ready: UInt32 = 0
            for _ in 0..<50 {
                let probe = try await conn.openChannel()
                ready = try await probe.inspectQueue(queue).messageCount
                await probe.close()
                if ready == UInt32(total) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(ready == UInt32(total))
            try await setup.deleteQueue(queue)
        }
    }
}
