import GRDBSQLite
import JobletCore
import JobletMetrics
import Prometheus
import Synchronization

/// The dispatcher's Prometheus metrics (swift-prometheus), rendered by the metrics server: what it took
/// in and what it refused, counted as it happens, and what is read at each scrape (the live fleet, the
/// store's active jobs, the heap in use).
final class DispatcherMetrics: Sendable {
    /// How a submission ended: a new job, a repeated `message_id`, refused with a reason in the reply, or
    /// dead-lettered as unreadable.
    enum SubmissionOutcome: String, Sendable, CaseIterable {
        case accepted, duplicate, rejected, malformed
    }

    /// The states whose jobs are still to run or running: the only ones counted at a scrape (an index
    /// range each), however many ended jobs the store keeps.
    static let activeStates: [JobState] = [.queued, .running, .unschedulable]

    private let registry = PrometheusCollectorRegistry()
    private let submissions: [SubmissionOutcome: Counter]
    private let workersLive: Gauge
    private let activeJobs: [JobState: Gauge]
    private let heapInUse: Gauge
    private let sqliteMemory: Gauge
    /// The last store read of the active jobs and when it was made: scrapes within a second reuse it, so
    /// a flood of scrapes costs the store one read a second, however many jobs it counts.
    private let lastActiveRead = Mutex<(at: ContinuousClock.Instant, counts: [JobState: Int])?>(nil)
    static let activeReadInterval = Duration.seconds(1)

    init() {
        let registry = self.registry
        let submitted = Self.metric("submissions_total", help: "Submissions handled, by outcome.")
        submissions = Dictionary(
            uniqueKeysWithValues: SubmissionOutcome.allCases.map {
                ($0, registry.makeCounter(descriptor: submitted, labels: [("outcome", $0.rawValue)]))
            })
        workersLive = registry.makeGauge(descriptor: Self.metric("workers_live", help: "Workers whose adverts are current (the fleet jobs are routed to)."))
        let jobs = Self.metric("jobs", help: "Jobs in the store that have not ended, by state (read at each scrape).")
        activeJobs = Dictionary(
            uniqueKeysWithValues: Self.activeStates.map { ($0, registry.makeGauge(descriptor: jobs, labels: [("state", $0.rawValue)])) })
        heapInUse = registry.makeGauge(
            descriptor: Self.metric(
                "heap_in_use_bytes",
                help: "Bytes of the dispatcher's heap in use (glibc's count, read at each scrape), SQLite's page caches included: flat once they are full."))
        sqliteMemory = registry.makeGauge(
            descriptor: Self.metric(
                "sqlite_memory_bytes",
                help: "Bytes of that heap SQLite holds: mostly its page caches, which grow with the store up to their bound (2 MB a connection)."))
    }

    func recordSubmission(_ outcome: SubmissionOutcome) {
        submissions[outcome]?.increment()
    }

    /// A job's end as its worker reported it and the store recorded it.
    func recordResult(_ state: JobState) {
        let results = Self.metric("results_total", help: "Job ends reported by the job's worker and recorded, by state.")
        registry.makeCounter(descriptor: results, labels: [("state", state.rawValue)]).increment()
    }

    /// A message refused for its sender (`RefusalLog` kinds: `submission`, `event`, `advert`, `log` …).
    func recordRefused(kind: String) {
        let refused = Self.metric("refused_messages_total", help: "Messages refused for their sender, by kind.")
        registry.makeCounter(descriptor: refused, labels: [("kind", kind)]).increment()
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4). `readActiveJobs` counts the
    /// store's active jobs (at most once a second); when it fails, those gauges keep their last value.
    func prometheusText(workersLive live: Int, readActiveJobs: () throws -> [JobState: Int]) -> String {
        workersLive.set(Double(live))
        let now = ContinuousClock.now
        var counts = lastActiveRead.withLock { last in last.flatMap { now - $0.at < Self.activeReadInterval ? $0.counts : nil } }
        if counts == nil, let read = try? readActiveJobs() {
            lastActiveRead.withLock { $0 = (now, read) }
            counts = read
        }
        if let counts {
            for (state, gauge) in activeJobs { gauge.set(Double(counts[state] ?? 0)) }
        }
        heapInUse.set(Double(ProcessHeap.bytesInUse))
        sqliteMemory.set(Double(sqlite3_memory_used()))
        return registry.emitToString()
    }

    /// `joblet_dispatcher_<name>`: the name is written whole (unit included) so it reads as scraped.
    private static func metric(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "joblet", subsystem: "dispatcher", metricName: name, unitName: "", helpText: help)
    }
}
