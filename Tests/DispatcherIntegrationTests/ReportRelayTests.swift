import AMQP
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// Workers may not use the default exchange, so they cannot reply to a caller's queue: they report
    /// to the dispatcher (`worker.<id>.report`), which passes on only what the workers it asked said.
    @Suite struct ReportRelayTests {
        @Test func aRuntimeTestReachesTheCallerOnlyFromTheWorkersAsked() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, asked) = try await harness.advertiseFakeWorker()
            let (_, other) = try await harness.advertiseFakeWorker()
            let runtime = "\(language)-1"
            // Sent to every worker (those without the runtime ignore it): `other` sees the relay's id too.
            let control = try await harness.controlQueue(workerID: nil)
            // Relays are per caller: a request that names nobody is refused before any worker is asked.
            let anonymous = try await harness.query(RPCRequest(method: .runtimeTest, runtime: runtime), userID: nil)
            #expect(anonymous.error?.code == "unauthenticated", "\(anonymous)")
            let askedChannel = try await harness.channel(asWorker: asked.workerID)
            let otherChannel = try await harness.channel(asWorker: other.workerID)

            // The caller, as rnx asks: a server-named queue of its own as reply_to.
            let caller = try await harness.connection.openChannel()
            let replies = try await caller.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            var properties = Envelope.properties(type: MessageType.rpcRequest, correlationID: "mine", replyTo: replies, persistent: false)
            properties.userID = DispatcherTestUsers.clientName
            try await caller.publish(
                try JSONCodec.encode(RPCRequest(method: .runtimeTest, runtime: runtime)),
                exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey, properties: properties)
            let command = try #require(try await harness.nextDelivery(on: control), "no runtime_test reached the worker")
            let relay = try #require(command.properties.correlationID)
            #expect(relay != "mine" && command.properties.replyTo == nil, "the caller's address stays with the dispatcher")

            func report(_ worker: String, passed: Bool) throws -> [UInt8] {
                try JSONCodec.encode(
                    RuntimeTestReport(workerID: worker, runtimeID: runtime, passed: passed, exitCode: 0, output: "from \(worker)", durationSeconds: 0.1))
            }
            func send(_ body: [UInt8], on channel: AMQPChannel, key worker: String) async throws {
                try await channel.publish(
                    body, exchange: Topology.eventsExchange, routingKey: Topology.reportRoutingKey(workerID: worker),
                    properties: Envelope.properties(type: MessageType.runtimeTestReport, correlationID: relay, persistent: false))
            }
            // A worker that was not asked, in its own name and in the asked one's: neither is passed on.
            try await send(try report(other.workerID, passed: false), on: otherChannel, key: other.workerID)
            try await send(try report(asked.workerID, passed: false), on: otherChannel, key: other.workerID)
            // The broker keeps workers off the default exchange and off each other's report keys.
            for (what, exchange, key) in [
                ("the caller's queue by name", "", replies),
                ("another worker's report key", Topology.eventsExchange, Topology.reportRoutingKey(workerID: asked.workerID)),
            ] {
                let channel = try await otherChannel.connection.openChannel()
                try await channel.enableConfirms()
                let denial = await #expect(throws: AMQPError.self, "\(what)") {
                    try await channel.publish(try report(asked.workerID, passed: false), exchange: exchange, routingKey: key)
                    try await channel.checkExchange(Topology.eventsExchange)
                }
                #expect(denial?.replyCode == 403, "\(what): \(String(describing: denial))")
            }
            // The asked worker's report, then the same again (a replay once the relay has closed).
            try await send(try report(asked.workerID, passed: true), on: askedChannel, key: asked.workerID)
            try await send(try report(asked.workerID, passed: true), on: askedChannel, key: asked.workerID)
            // Reports are handled in order: once this second forgery is counted, the replay was handled too.
            try await send(try report(asked.workerID, passed: false), on: otherChannel, key: other.workerID)
            var counts: [String: Int] = [:]
            for _ in 0..<100 where counts["report", default: 0] < 2 {
                try await Task.sleep(for: .milliseconds(50))
                counts = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
            }
            #expect(counts["report"] == 2, "reports naming another worker are refused: \(counts)")

            var received: [Delivery] = []
            for _ in 0..<100 where received.count < 2 {
                if let delivery = try await caller.get(queue: replies) { received.append(delivery) } else { try await Task.sleep(for: .milliseconds(50)) }
            }
            while let delivery = try await caller.get(queue: replies) { received.append(delivery) }
            #expect(received.allSatisfy { $0.properties.correlationID == "mine" })
            let answer = try #require(received.first { $0.properties.type == MessageType.rpcResponse })
            #expect(try JSONCodec.decode(RPCResponse.self, from: answer.body).workers?.map(\.workerID) == [asked.workerID])
            let reports = try received.filter { $0.properties.type == MessageType.runtimeTestReport }
                .map { try JSONCodec.decode(RuntimeTestReport.self, from: $0.body) }
            #expect(reports.map(\.workerID) == [asked.workerID], "only the asked worker's report, once: \(reports)")
            #expect(reports.first?.passed == true)
            await caller.close()
        }
    }
}
