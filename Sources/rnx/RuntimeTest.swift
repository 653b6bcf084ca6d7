import AMQP
import ArgumentParser
import JobletClient
import JobletCore
import JobletMessaging

/// `rnx runtime test SPEC`: every worker that has the runtime runs its smoke test in a real sandbox.
struct RuntimeTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a runtime's smoke test on every worker that has it; fails if any worker fails.",
        discussion: """
            Asks the dispatcher to send runtime_test to the workers that advertise the runtime (only the \
            dispatcher may command workers) and waits for a report from each of them, which the \
            dispatcher passes on to rnx. A worker that does not answer in time counts as failed.

            Examples:
              rnx runtime test python-3.11
              rnx runtime test node:20 --timeout=2m --json
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("How long to wait for the workers' reports.", valueName: "duration"))
    var timeout: String = "60s"
    @Argument(help: "A runtime spec (python:3.11, node:20) or id (python-3.11-ml).") var spec: String

    func validate() throws {
        do { _ = try JobDuration(parsing: timeout) } catch let error as JobletError {
            throw ValidationError("--timeout: \(error.description)")
        }
    }

    func run() async throws {
        let limit = try JobDuration(parsing: timeout)
        let (runtimeID, reports, expected) = try await global.withClient { client in
            let workers = (try await client.query(RPCRequest(method: .workers)).workers ?? []).filter { $0.status != .offline }
            var fleet: [String: FleetRuntime] = [:]
            for worker in workers {
                for runtime in worker.runtimes {
                    fleet[runtime.id, default: FleetRuntime(runtime: runtime, workers: [], arches: [])].workers.append(worker.workerID)
                }
            }
            let entry = try resolveFleetRuntime(spec, in: Array(fleet.values))
            let expected = Set(entry.workers)
            let reports = try await collect(
                client: client, runtimeID: entry.runtime.id, expected: expected,
                limit: .milliseconds(Int64(limit.seconds * 1000)))
            return (entry.runtime.id, reports, expected)
        }
        var all = reports
        for missing in expected.subtracting(reports.map(\.workerID)).sorted() {
            all.append(
                RuntimeTestReport(
                    workerID: missing, runtimeID: runtimeID, passed: false, exitCode: nil,
                    output: "no report within \(timeout)", durationSeconds: 0))
        }
        all.sort { $0.workerID < $1.workerID }
        if output.json {
            try output.printJSON(all)
        } else {
            let style = Style.stdout
            for report in all {
                let mark = report.passed ? style.green("PASS") : style.red("FAIL")
                var line = "\(mark)  \(report.workerID)  \(report.runtimeID)"
                if let code = report.exitCode { line += "  exit \(code)" }
                line += "  \(Format.duration(report.durationSeconds))"
                Terminal.out(line)
                for text in report.output.split(separator: "\n", omittingEmptySubsequences: false).prefix(40)
                where !text.isEmpty {
                    Terminal.out("      \(text)")
                }
            }
        }
        let failed = all.filter { !$0.passed }.count
        if failed > 0 {
            Terminal.err("rnx: \(runtimeID) failed on \(failed) of \(all.count) worker\(all.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }

    /// Asks the dispatcher to start the test and gathers reports until every expected worker answered
    /// or `limit` passed. The dispatcher's own answer comes to the same queue: a refusal ends the wait.
    private func collect(
        client: ClusterClient, runtimeID: String, expected: Set<String>,
        limit: Duration
    ) async throws -> [RuntimeTestReport] {
        let channel = try await client.connection.openChannel()
        let queue = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        let consumer = try await channel.consume(queue: queue, exclusive: true, bodyLimit: BodyLimits.reply)
        let correlation = Format.uuid()
        var properties = Envelope.properties(
            type: MessageType.rpcRequest, correlationID: correlation, replyTo: queue,
            persistent: false)
        properties.userID = client.settings.user
        try await channel.publish(
            try JSONCodec.encode(RPCRequest(method: .runtimeTest, runtime: runtimeID)),
            exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey, properties: properties)

        let (inputs, continuation) = AsyncStream.makeStream(of: Delivery?.self)
        // Unstructured: the consumer may not end by itself; the timer closes the stream.
        let pump = Task {
            do { for try await delivery in consumer { continuation.yield(delivery) } } catch {}
            continuation.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            continuation.yield(nil)
        }
        defer {
            pump.cancel()
            timer.cancel()
        }
        var reports: [String: RuntimeTestReport] = [:]
        for await delivery in inputs {
            guard let delivery else { break }
            guard delivery.properties.correlationID == nil || delivery.properties.correlationID == correlation else { continue }
            if delivery.properties.type == MessageType.rpcResponse {
                let answer = try? JSONCodec.decode(RPCResponse.self, from: delivery.body, rejectUnknownKeys: false)
                if let answer, !answer.ok {
                    continuation.finish()
                    await channel.close()
                    throw RNXError(.remote, answer.error?.message ?? "the dispatcher refused the runtime test")
                }
                continue
            }
            guard let report = try? JSONCodec.decode(RuntimeTestReport.self, from: delivery.body, rejectUnknownKeys: false),
                report.runtimeID == runtimeID
            else { continue }
            reports[report.workerID] = report
            if expected.isSubset(of: Set(reports.keys)) { break }
        }
        continuation.finish()
        await channel.close()
        return Array(reports.values)
    }
}
