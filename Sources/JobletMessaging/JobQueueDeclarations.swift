import AMQP
import JobletCore
import Synchronization

/// The job queues this process declared, each once rather than per job or per advert. Workers may not
/// declare job queues (docs/SECURITY.md): the dispatcher declares the queue of every target it routes
/// to, and the queues of the targets each worker advert calls for, at most `limit` of those.
public final class JobQueueDeclarations: Sendable {
    /// How many distinct targets adverts may have declared: a hostile worker can advertise any
    /// runtime names, and every quorum queue costs the broker memory.
    public let limit: Int
    private let declared = Mutex<Set<String>>([])

    public init(limit: Int) {
        self.limit = limit
    }

    public func contains(_ target: String) -> Bool { declared.withLock { $0.contains(target) } }

    /// Declares `target`'s queue unless this process already has, whatever the limit: routing a job
    /// there was decided from the fleet.
    public func ensure(_ target: String, on channel: AMQPChannel) async throws {
        if contains(target) { return }
        try await Topology.declareJobQueue(target: target, on: channel)
        declared.withLock { _ = $0.insert(target) }
    }

    /// Declares `target`'s queue again (an operator deleted it: a mandatory publish came back).
    public func redeclare(_ target: String, on channel: AMQPChannel) async throws {
        declared.withLock { _ = $0.remove(target) }
        try await ensure(target, on: channel)
    }

    /// Declares the queues of the targets `advert` calls for (`WorkerAdvert.jobTargets`), within the
    /// limit. Returns those left undeclared because the limit is reached.
    public func ensure(for advert: WorkerAdvert, on channel: AMQPChannel) async throws -> [String] {
        var overLimit: [String] = []
        for target in advert.jobTargets where !contains(target) {
            guard declared.withLock({ $0.count < limit }) else {
                overLimit.append(target)
                continue
            }
            try await ensure(target, on: channel)
        }
        return overLimit
    }
}
