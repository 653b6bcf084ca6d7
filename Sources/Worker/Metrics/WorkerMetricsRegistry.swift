import Synchronization

/// The worker's Prometheus metrics, readable synchronously from the metrics thread.
/// Updated by `WorkerState` as jobs start and finish.
final class WorkerMetricsRegistry: Sendable {
    /// Upper bounds (seconds) of the spawn-latency histogram buckets.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Values: Sendable {
        var started: UInt64 = 0
        var finished: UInt64 = 0
        var failed: UInt64 = 0
        var rejected: UInt64 = 0
        var running = 0
        var busySlots = 0
        var latencyBucketCounts = [UInt64](repeating: 0, count: WorkerMetricsRegistry.latencyBuckets.count)
        var latencySum = 0.0
    }

    let workerID: String
    let slotsTotal: Int
    private let values = Mutex(Values())

    init(workerID: String, slotsTotal: Int) {
        self.workerID = workerID
        self.slotsTotal = slotsTotal
    }

    func update(_ body: (inout Values) -> Void) { values.withLock { body(&$0) } }

    func recordSpawnLatency(seconds: Double) {
        values.withLock { values in
            values.latencySum += seconds
            for (index, bound) in Self.latencyBuckets.enumerated() where seconds <= bound {
                values.latencyBucketCounts[index] += 1
            }
        }
    }

    var snapshot: Values { values.withLock { $0 } }
}
