import AMQP
import JobletCore
import JobletMessaging

extension BrokerProbe {
    /// Publishes a host job with `network` to its `+net` queue (as the dispatcher routes it).
    func submit(
        _ command: [String], network: String, name: String? = nil, submitter: String = BrokerProbe.submitter,
        limits: JobLimits? = nil, maxAttempts: Int = 2
    ) async throws -> String {
        let id = JobID.generate()
        let request = JobRequest(command: command, limits: limits, name: name, network: network)
        let message = JobMessage(
            jobID: id, runtimeID: nil, request: request, submitter: submitter,
            submittedAt: Clock.now, maxAttempts: maxAttempts)
        let networked = request.jobNetwork.needsNetworkQueue
        try await publishJob(message, target: Topology.target(runtimeID: nil, arch: Architecture.host, network: networked))
        return id
    }

    /// The terminal events of `ids` and each job's stdout.
    func finish(_ ids: [String], timeout: Duration = .seconds(120)) async throws -> [String: (event: JobEvent, stdout: String)] {
        let events = try await jobEvents(for: Set(ids), timeout: timeout)
        let finals = Dictionary(events.filter { $0.state.isTerminal }.map { ($0.jobID, $0) }, uniquingKeysWith: { first, _ in first })
        // Every chunk of every job at once: collecting drains the queue, other jobs' chunks included.
        let wanted = finals.mapValues { Int($0.result?.logChunks ?? 0) }
        let chunks = try await collect(logs, timeout: .seconds(20)) { deliveries in
            let got = deliveries.compactMap { try? LogChunk(delivery: $0) }
            return wanted.allSatisfy { id, count in got.filter { $0.jobID == id }.count >= count }
        }.compactMap { try? LogChunk(delivery: $0) }
        var result: [String: (event: JobEvent, stdout: String)] = [:]
        for (id, final) in finals {
            let stdout = chunks.filter { $0.jobID == id && $0.stream == "stdout" }.sorted { $0.seq < $1.seq }.flatMap(\.data)
            result[id] = (final, String(decoding: stdout, as: UTF8.self))
        }
        return result
    }
}
