import AMQP
import JobletCore

/// The worker's bookkeeping: slots, held deliveries, running jobs, mode and metrics. All decisions
/// about taking work are made here, in one place, so they cannot race.
actor WorkerState {
    enum Mode: Sendable { case online, draining, stopping }

    let slotsTotal: Int
    private(set) var mode: Mode = .online
    /// Deliveries holding a slot (running or starting).
    private(set) var busySlots = 0
    /// Deliveries that arrived while every slot was busy (at most queues-1 of them, ConsumerBooks): run
    /// next, never nacked. They hold no slot.
    private var held: [JobWork] = []
    private var handles: [String: JobHandle] = [:]
    /// Jobs with a run in progress here, from ``claim(_:)`` to ``unregister(_:)``.
    private var claimed: Set<String> = []
    private(set) var metrics = WorkerMetrics()
    private var spawnLatencyTotalMs = 0.0

    /// The same figures for the Prometheus endpoint, which reads them from its own thread.
    let registry: WorkerMetricsRegistry

    init(slots: Int, registry: WorkerMetricsRegistry) {
        self.slotsTotal = slots
        self.registry = registry
    }

    private func publishSlots() {
        let busy = busySlots, running = handles.count
        registry.setSlots(busy: busy, running: running)
    }

    var freeSlots: Int { slotsTotal - busySlots }
    var runningJobIDs: [String] { handles.keys.sorted() }
    var heldCount: Int { held.count }

    /// What the job consumers should be right now.
    var consumerPolicy: ConsumerPolicy {
        guard mode == .online else { return .closed }
        return busySlots < slotsTotal && held.isEmpty ? .open : .full
    }

    enum Offer: Sendable { case start(JobWork), held, handBack }

    /// A delivery arrived: start it in a free slot, else hold it for the next free one.
    func offer(_ work: JobWork) -> Offer {
        if mode == .stopping { return .handBack }
        if busySlots < slotsTotal {
            busySlots += 1
            publishSlots()
            return .start(work)
        }
        held.append(work)
        return .held
    }

    /// A job's slot is free again; returns the held delivery that takes it, if any.
    func release() -> JobWork? {
        if mode != .stopping, !held.isEmpty {
            return held.removeFirst()
        }
        busySlots -= 1
        publishSlots()
        return nil
    }

    /// Held deliveries to hand back (shutdown) or forget (their channel is gone).
    func takeHeld() -> [JobWork] {
        defer { held.removeAll() }
        return held
    }

    func setMode(_ newMode: Mode) {
        if mode == .stopping { return }
        mode = newMode
    }

    /// Claims a job for a run here; false when one is in progress already (a second copy of its
    /// message: a dispatcher that died between publishing it and recording that publishes it again).
    func claim(_ jobID: String) -> Bool { claimed.insert(jobID).inserted }
    func register(_ handle: JobHandle) { handles[handle.jobID] = handle; publishSlots() }
    /// The run is over: its handle and its claim go.
    func unregister(_ jobID: String) { handles[jobID] = nil; claimed.remove(jobID); publishSlots() }
    func handle(_ jobID: String) -> JobHandle? { handles[jobID] }
    var allHandles: [JobHandle] { Array(handles.values) }

    func recordStarted(latencyMs: Double) {
        metrics.jobsStarted += 1
        spawnLatencyTotalMs += latencyMs
        metrics.spawnLatencyMsAvg = spawnLatencyTotalMs / Double(metrics.jobsStarted)
        registry.recordStarted(spawnLatencySeconds: latencyMs / 1000)
    }
    func recordFinished(failed: Bool) {
        metrics.jobsFinished += 1
        if failed { metrics.jobsFailed += 1 }
        registry.recordFinished(failed: failed)
    }
    func recordRejected() {
        metrics.jobsRejected += 1
        registry.recordRejected()
    }
}
