import JobletMetrics
import Prometheus

/// The worker's Prometheus metrics (swift-prometheus), all labelled `worker=<id>`, rendered in
/// the text exposition format by the metrics server. Updated by `WorkerState`.
final class WorkerMetricsRegistry: Sendable {
    /// Upper bounds (seconds) of the spawn-latency histogram buckets.
    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    let workerID: String
    private let registry: PrometheusCollectorRegistry
    private let started: Counter
    private let finished: Counter
    private let failed: Counter
    private let rejected: Counter
    private let running: Gauge
    private let busySlots: Gauge
    private let spawnLatency: ValueHistogram
    private let heapInUse: Gauge

    init(workerID: String, slotsTotal: Int) {
        self.workerID = workerID
        let labels = [("worker", workerID)]
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: Self.metric(name, help: help), labels: labels)
        }
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: Self.metric(name, help: help), labels: labels)
        }
        started = counter("jobs_started_total", "Jobs whose command was started in a sandbox.")
        finished = counter("jobs_finished_total", "Jobs that ended with a result (any state).")
        failed = counter("jobs_failed_total", "Jobs that ended in any state but completed.")
        rejected = counter("jobs_rejected_total", "Jobs rejected before running (limits, missing runtime).")
        running = gauge("jobs_running", "Jobs running now.")
        busySlots = gauge("slots_busy", "Slots taken by a running or starting job.")
        gauge("slots", "Job slots of this worker.").set(Double(slotsTotal))
        heapInUse = gauge("heap_in_use_bytes", "Bytes of the worker's heap in use (glibc's count, read at each scrape): flat however many jobs ran.")
        spawnLatency = registry.makeValueHistogram(
            descriptor: Self.metric("spawn_latency_seconds", help: "Time from a delivery reaching the worker to its command starting."),
            labels: labels, buckets: Self.latencyBuckets)
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
        let refused = Self.metric("refused_messages_total", help: "Job messages and control commands refused for their sender.")
        registry.makeCounter(descriptor: refused, labels: [("worker", workerID), ("kind", kind)])
            .increment()
    }

    /// `joblet_worker_<name>`: the name is written whole (unit included) so it reads as scraped.
    private static func metric(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "joblet", subsystem: "worker", metricName: name, unitName: "", helpText: help)
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    func prometheusText() -> String {
        heapInUse.set(Double(ProcessHeap.bytesInUse))
        return registry.emitToString()
    }
}
