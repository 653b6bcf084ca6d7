import Prometheus

/// The worker's Prometheus metrics (swift-prometheus), all labelled `worker=<id>`, rendered in
/// the text exposition format by the metrics server. Updated by `WorkerState`.
final class WorkerMetricsRegistry: Sendable {
    /// Upper bounds (seconds) of the spawn-latency histogram buckets.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    let workerID: String
    private let registry = PrometheusCollectorRegistry()
    private let started: Counter
    private let finished: Counter
    private let failed: Counter
    private let rejected: Counter
    private let running: Gauge
    private let busySlots: Gauge
    private let spawnLatency: ValueHistogram

    init(workerID: String, slotsTotal: Int) {
        self.workerID = workerID
        let labels = [("worker", workerID)]
        started = registry.makeCounter(name: "joblet_worker_jobs_started_total", labels: labels,
                                       help: "Jobs whose command was started in a sandbox.")
        finished = registry.makeCounter(name: "joblet_worker_jobs_finished_total", labels: labels,
                                        help: "Jobs that ended with a result (any state).")
        failed = registry.makeCounter(name: "joblet_worker_jobs_failed_total", labels: labels,
                                      help: "Jobs that ended in any state but completed.")
        rejected = registry.makeCounter(name: "joblet_worker_jobs_rejected_total", labels: labels,
                                        help: "Jobs rejected before running (limits, missing runtime).")
        running = registry.makeGauge(name: "joblet_worker_jobs_running", labels: labels, help: "Jobs running now.")
        busySlots = registry.makeGauge(name: "joblet_worker_slots_busy", labels: labels,
                                       help: "Slots taken by a running or starting job.")
        registry.makeGauge(name: "joblet_worker_slots", labels: labels, help: "Job slots of this worker.")
            .set(Double(slotsTotal))
        spawnLatency = registry.makeValueHistogram(
            name: "joblet_worker_spawn_latency_seconds", labels: labels, buckets: Self.latencyBuckets,
            help: "Time from a delivery reaching the worker to its command starting.")
    }

    func setSlots(busy: Int, running jobs: Int) {
        busySlots.set(Double(busy))
        running.set(Double(jobs))
    }

    func recordStarted(spawnLatencySeconds: Double) {
        started.increment()
        spawnLatency.record(spawnLatencySeconds)
    }

    func recordFinished(failed didFail: Bool) {
        finished.increment()
        if didFail { failed.increment() }
    }

    func recordRejected() { rejected.increment() }

    /// A job message or control command refused for its sender (`kind`: `job`, `control`).
    func recordRefused(kind: String) {
        registry.makeCounter(name: "joblet_worker_refused_messages_total", labels: [("worker", workerID), ("kind", kind)],
                             help: "Job messages and control commands refused for their sender.")
            .increment()
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    func prometheusText() -> String { registry.emitToString() }
}
