import AMQP
import JobletCore
import JobletMessaging

extension BrokerProbe {
    /// The first advert of `workerID` that satisfies `accept` (adverts come every advert_interval).
    func advert(
        of workerID: String, timeout: Duration = .seconds(60),
        where accept: (WorkerAdvert) -> Bool = { _ in true }
    ) async throws -> WorkerAdvert? {
        let key = Topology.advertRoutingKey(workerID: workerID)
        var found: WorkerAdvert?
        _ = try await collect(events, timeout: timeout) { deliveries in
            found = deliveries.lazy.filter { $0.routingKey == key }
                .compactMap { try? JSONCodec.decode(WorkerAdvert.self, from: $0.body) }
                .first(where: accept)
            return found != nil
        }
        return found
    }

    /// Everything job `jobID` wrote to `stream`, from its `logChunks` chunks in sequence order.
    func output(of jobID: String, chunks count: UInt64, stream: String = "stdout") async throws -> String {
        let chunks = try await collect(logs, timeout: .seconds(20)) { deliveries in
            deliveries.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == jobID }.count >= Int(count)
        }.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == jobID && $0.stream == stream }
        return String(decoding: chunks.sorted { $0.seq < $1.seq }.flatMap(\.data), as: UTF8.self)
    }

    /// A private queue that gets `workerID`'s reports on runtime commands, as the dispatcher's does
    /// (`worker.<id>.report` on `joblet.events`: workers may not publish to a caller's queue).
    func reportQueue(of workerID: String) async throws -> String {
        let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try await channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: Topology.reportRoutingKey(workerID: workerID))
        return queue
    }

    /// Sends `runtime_test` to one worker and waits for its RuntimeTestReport.
    func runtimeTest(_ runtimeID: String, workerID: String, timeout: Duration = .seconds(120)) async throws
        -> (report: RuntimeTestReport, correlated: Bool)?
    {
        let reports = try await reportQueue(of: workerID)
        let correlationID = JobID.generate()
        try await channel.publish(
            Envelope.encode(ControlCommand(command: .runtimeTest, runtime: runtimeID)),
            exchange: Topology.controlExchange,
            routingKey: Topology.controlRoutingKey(workerID: workerID),
            properties: Envelope.properties(type: MessageType.control, correlationID: correlationID, persistent: false))
        let deliveries = try await collect(reports, timeout: timeout) { !$0.isEmpty }
        guard let reply = deliveries.first else { return nil }
        return (try JSONCodec.decode(RuntimeTestReport.self, from: reply.body), reply.properties.correlationID == correlationID)
    }
}
