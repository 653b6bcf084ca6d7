import AMQP
import AsyncAlgorithms
import JobletClient
import JobletCore
import JobletMessaging
import Synchronization

/// One `runtime_deploy` / `runtime_remove` conversation: a server-named exclusive queue of rnx's own
/// receives the dispatcher's answer and then each worker's `RuntimeDeployReport` (passed on by the
/// dispatcher, as for `runtime_test`).
final class RuntimeFleetCall: Sendable {
    let channel: AMQPChannel
    let queue: String
    let correlation: String
    private let inputs: AsyncStream<Delivery>
    private let pump: Task<Void, Never>

    private init(
        channel: AMQPChannel, queue: String, correlation: String, inputs: AsyncStream<Delivery>,
        pump: Task<Void, Never>
    ) {
        self.channel = channel
        self.queue = queue
        self.correlation = correlation
        self.inputs = inputs
        self.pump = pump
    }

    static func open(_ client: ClusterClient) async throws -> RuntimeFleetCall {
        let channel = try await client.connection.openChannel()
        let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        let consumer = try await channel.consume(queue: queue, exclusive: true, bodyLimit: BodyLimits.reply)
        // Reports are small and few (one per tenth of a package per worker): an unbounded buffer
        // between the consumer and the reader holds little.
        let (inputs, continuation) = AsyncStream.makeStream(of: Delivery.self)
        let pump = Task {
            do { for try await delivery in consumer { continuation.yield(delivery) } } catch {}
            continuation.finish()
        }
        return RuntimeFleetCall(channel: channel, queue: queue, correlation: Format.uuid(), inputs: inputs, pump: pump)
    }

    /// Sends `request` to the dispatcher with our queue as reply_to; returns the workers it addressed.
    /// Reports that overtake the answer are handed to `early`.
    func ask(_ request: RPCRequest, user: String, early: (RuntimeDeployReport) -> Void) async throws -> [WorkerAdvert] {
        var properties = Envelope.properties(
            type: MessageType.rpcRequest, correlationID: correlation, replyTo: queue,
            persistent: false)
        properties.userID = user
        try await channel.publish(
            try JSONCodec.encode(request), exchange: Topology.apiExchange,
            routingKey: Topology.rpcRoutingKey, properties: properties)
        for await delivery in inputs where delivery.properties.correlationID == correlation {
            if delivery.properties.type == MessageType.rpcResponse {
                let answer = try JSONCodec.decode(RPCResponse.self, from: delivery.body, rejectUnknownKeys: false)
                guard answer.ok else {
                    throw RNXError(.remote, answer.error?.message ?? "the dispatcher refused the request")
                }
                return answer.workers ?? []
            }
            if let report = Self.report(delivery) { early(report) }
        }
        throw RNXError(.broker, "the connection closed before the dispatcher answered")
    }

    /// Reports until every worker in `expected` sent a final one, or none of them said anything for
    /// `idle`. `onReport` sees each report as it comes. Returns the final reports.
    func collect(
        expected: Set<String>, idle: Duration,
        onReport: @escaping @Sendable (RuntimeDeployReport) -> Void
    ) async -> [String: RuntimeDeployReport] {
        let book = ReportBook()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await delivery in self.inputs where delivery.properties.correlationID == self.correlation {
                    guard let report = Self.report(delivery), expected.contains(report.workerID) else { continue }
                    onReport(report)
                    if book.add(report).isSuperset(of: expected) { return }
                }
            }
            group.addTask {
                for await _ in AsyncTimerSequence(interval: .seconds(1), clock: .continuous) {
                    if ContinuousClock.now - book.last > idle { return }
                }
            }
            await group.next()
            group.cancelAll()
        }
        return book.finals
    }

    func close() async {
        pump.cancel()
        await channel.close()
    }

    private static func report(_ delivery: Delivery) -> RuntimeDeployReport? {
        guard delivery.properties.type == MessageType.runtimeDeployReport else { return nil }
        return try? JSONCodec.decode(RuntimeDeployReport.self, from: delivery.body, rejectUnknownKeys: false)
    }
}

/// The final reports so far and when anything was last heard.
final class ReportBook: Sendable {
    private let state = Mutex((last: ContinuousClock.now, finals: [String: RuntimeDeployReport]()))
    var last: ContinuousClock.Instant { state.withLock { $0.last } }
    var finals: [String: RuntimeDeployReport] { state.withLock { $0.finals } }

    /// Records `report`; returns the workers with a final report.
    func add(_ report: RuntimeDeployReport) -> Set<String> {
        state.withLock { state in
            state.last = .now
            if report.isFinal { state.finals[report.workerID] = report }
            return Set(state.finals.keys)
        }
    }
}
