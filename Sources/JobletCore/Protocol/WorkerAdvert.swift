/// A worker's advertisement: `joblet.worker.advert.v1` on `joblet.events`, routing key `worker.<id>.advert`.
/// Published on start, on every runtime change, every few seconds, and as `offline` on shutdown.
public struct WorkerAdvert: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case online, draining, offline }

    public var workerID: String
    public var hostname: String
    public var arch: String
    public var kernel: String
    /// `v2`, `v1-hybrid` or `none`.
    public var cgroupMode: String
    public var status: Status
    public var runtimes: [RuntimeDescriptor]
    /// The job queues this worker consumes.
    public var queues: [String]
    public var slotsTotal: Int
    public var slotsFree: Int
    public var memoryTotal: Int64
    public var memoryAvailable: Int64
    public var load1: Double
    public var version: String
    /// Seconds since the Unix epoch.
    public var time: Double
    /// Seconds until the next advert; the registry expires a worker after a few missed ones.
    public var interval: Double
    public var runningJobs: [String]
    public var metrics: WorkerMetrics
    /// The most any job may ask for here (worker.yml `limits.max` and the host's memory and CPUs);
    /// the dispatcher sends a job only where it fits. Absent from workers before protocol 2.1.
    public var maxLimits: JobLimits?
    /// The job networks offered here (`none`, `bridge`, `named`); absent = `none` only.
    public var networks: [String]?

    public init(
        workerID: String, hostname: String, arch: String, kernel: String, cgroupMode: String,
        status: Status, runtimes: [RuntimeDescriptor], queues: [String], slotsTotal: Int, slotsFree: Int,
        memoryTotal: Int64, memoryAvailable: Int64, load1: Double, version: String, time: Double,
        interval: Double, runningJobs: [String], metrics: WorkerMetrics
    ) {
        self.workerID = workerID
        self.hostname = hostname
        self.arch = arch
        self.kernel = kernel
        self.cgroupMode = cgroupMode
        self.status = status
        self.runtimes = runtimes
        self.queues = queues
        self.slotsTotal = slotsTotal
        self.slotsFree = slotsFree
        self.memoryTotal = memoryTotal
        self.memoryAvailable = memoryAvailable
        self.load1 = load1
        self.version = version
        self.time = time
        self.interval = interval
        self.runningJobs = runningJobs
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", hostname, arch, kernel, cgroupMode = "cgroup_mode", status, runtimes, queues
        case slotsTotal = "slots_total", slotsFree = "slots_free", memoryTotal = "memory_total"
        case memoryAvailable = "memory_available", load1 = "load1", version, time, interval
        case runningJobs = "running_jobs", metrics, maxLimits = "max_limits", networks
    }
}

/// Counters a worker reports in its advert (and as Prometheus text when enabled).
public struct WorkerMetrics: Sendable, Equatable, Codable {
    public var jobsStarted: UInt64
    public var jobsFinished: UInt64
    public var jobsFailed: UInt64
    public var jobsRejected: UInt64
    /// Mean time from delivery to the job's command starting, in milliseconds.
    public var spawnLatencyMsAvg: Double

    public init(
        jobsStarted: UInt64 = 0, jobsFinished: UInt64 = 0, jobsFailed: UInt64 = 0, jobsRejected: UInt64 = 0,
        spawnLatencyMsAvg: Double = 0
    ) {
        self.jobsStarted = jobsStarted
        self.jobsFinished = jobsFinished
        self.jobsFailed = jobsFailed
        self.jobsRejected = jobsRejected
        self.spawnLatencyMsAvg = spawnLatencyMsAvg
    }

    enum CodingKeys: String, CodingKey {
        case jobsStarted = "jobs_started", jobsFinished = "jobs_finished", jobsFailed = "jobs_failed"
        case jobsRejected = "jobs_rejected", spawnLatencyMsAvg = "spawn_latency_ms_avg"
    }
}
