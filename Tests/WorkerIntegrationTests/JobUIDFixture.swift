import AMQP
import Foundation
import JobletCore
import JobletMessaging

/// What the job uid tests share: runtimes whose queues only their worker consumes, and the live
/// stdout of running jobs.
enum JobUIDFixture {
    /// A runtimes base dir with `count` static runtimes (nothing but an empty mount), one queue
    /// each, so two jobs run at once on a worker with two slots however slots share a queue.
    static func runtimes(_ count: Int) throws -> (base: String, ids: [String]) {
        try QueueRuntimes.make(count, language: "uids", description: "job uid tests: a queue of its own")
    }

    /// Waits until the worker consumes every runtime's queue (a job published earlier would be lost).
    static func waitForQueues(_ ids: [String], of worker: WorkerProcess, probe: BrokerProbe) async throws -> Bool {
        let queues = ids.map { Topology.jobQueue(runtimeID: $0, arch: Architecture.host) }
        return try await probe.advert(of: worker.id, where: { advert in queues.allSatisfy(advert.queues.contains) }) != nil
    }
}

/// Stdout of running jobs as it arrives. BrokerProbe.collect drains the log queue, so what one
/// wait reads is kept for the next.
struct LiveOutput {
    private var chunks: [LogChunk] = []

    func stdout(of jobID: String) -> String {
        String(
            decoding: chunks.filter { $0.jobID == jobID && $0.stream == "stdout" }.sorted { $0.seq < $1.seq }.flatMap(\.data),
            as: UTF8.self)
    }

    /// Reads log chunks until `done` holds (or the probe's deadline passes); returns whether it holds.
    mutating func wait(_ probe: BrokerProbe, until done: (LiveOutput) -> Bool) async throws -> Bool {
        var current = self
        _ = try await probe.collect(probe.logs, timeout: .seconds(60)) { deliveries in
            current.chunks = chunks + deliveries.compactMap { try? LogChunk(delivery: $0) }
            return done(current)
        }
        self = current
        return done(self)
    }
}
