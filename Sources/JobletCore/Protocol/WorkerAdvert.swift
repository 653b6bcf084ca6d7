/// A worker's advertisement: `joblet.worker.advert.v1` on `joblet.events`, routing key `worker.<id>.advert`.
/// Published on start, on every runtime change, every few seconds, and as `offline` on shutdown.
public struct WorkerAdvert: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Takes new jobs.
        case online
        /// Takes no new jobs and lets its running ones finish (the `drain` command, or shutting down).
        case draining
        /// Its last advert, on shutdown: the dispatcher forgets the worker at once.
        case offline
    }

    /// The worker's broker user; the dispatcher believes an advert only from that user.
    public var workerID: String
    /// From gethostname(2), for people; the dispatcher addresses the worker by `workerID`.
    public var hostname: String
    /// Normalised architecture (`x86_64`, `aarch64`), the `@<arch>` of its job queues.
    public var arch: String
    /// Kernel release from uname(2), e.g. `6.1.0-18-amd64`.
    public var kernel: String
    /// `v2`, `v1-hybrid` or `none`.
    public var cgroupMode: String
    /// Only `online` workers are sent new jobs.
    public var status: Status
    /// The runtimes installed here; the dispatcher resolves runtime specs against live workers' lists.
    public var runtimes: [RuntimeDescriptor]
    /// The job queues this worker consumes.
    public var queues: [String]
    /// How many jobs it runs at once (worker.yml `slots`).
    public var slotsTotal: Int
    /// Slots not running a job now; never above `slotsTotal`.
    public var slotsFree: Int
    /// Host memory in bytes (`MemTotal`); a job whose `limits.memory` exceeds every capable worker's is
    /// rejected.
    public var memoryTotal: Int64
    /// `MemAvailable` in bytes when the advert was made.
    public var memoryAvailable: Int64
    /// One-minute load average, from /proc/loadavg.
    public var load1: Double
    /// The worker's software version (`WorkerVersion.current`).
    public var version: String
    /// Seconds since the Unix epoch.
    public var time: Double
    /// Seconds until the next advert; the registry expires a worker after a few missed ones.
    public var interval: Double
    /// Ids of the jobs running here now, sorted.
    public var runningJobs: [String]
    /// Counters since the worker process started.
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
    /// Jobs whose command was started.
    public var jobsStarted: UInt64 = 0
    /// Runs that ended here, whatever the outcome: failed starts and runs handed back included.
    public var jobsFinished: UInt64 = 0
    /// Of `jobsFinished`, those that did not end `completed` (cancelled and timed out included).
    public var jobsFailed: UInt64 = 0
    /// Jobs refused without a run, each reported as a `rejected` event.
    public var jobsRejected: UInt64 = 0
    /// Mean time from delivery to the job's command starting, in milliseconds.
    public var spawnLatencyMsAvg: Double = 0

    /// All zero: a worker's counters before its first job.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case jobsStarted = "jobs_started", jobsFinished = "jobs_finished", jobsFailed = "jobs_failed"
        case jobsRejected = "jobs_rejected", spawnLatencyMsAvg = "spawn_latency_ms_avg"
    }
}
