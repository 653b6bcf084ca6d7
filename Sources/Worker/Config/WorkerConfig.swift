import JobletCore
import JobletMessaging
import JobletMetrics

/// Everything a worker needs to know, loaded from `worker.yml` (see config/worker.yml for every key).
public struct WorkerConfig: Sendable, Decodable {
    /// Broker URLs, tried in order (several for a cluster). Credentials belong in `credentials_file`.
    public var brokerURLs: [String] = []
    /// `user:password` on one line, mode 0600; never logged.
    public var credentialsFile: String?
    /// `broker.tls`: a private CA and a client certificate for amqps URLs.
    public var brokerTLS: BrokerTLS?
    /// Unique in the fleet, and the worker's broker user name (the dispatcher believes a worker's
    /// adverts and results only from its own user). Empty = the broker user (set at start).
    public var workerID: String = ""
    /// Broker users whose job messages this worker runs and whose control commands it obeys.
    public var dispatcherUsers: [String] = [TrustPolicy.defaultDispatcherUser]
    /// How many jobs run at once.
    public var slots: Int = 4
    public var runtimesPath: String = "/opt/joblet/runtimes"
    public var stateDirectory: String = "/var/lib/joblet/worker"
    /// Named volumes live here as `<volumes_dir>/<name>`.
    public var volumesDirectory: String = "/var/lib/joblet/volumes"
    /// Parent cgroup of this worker's jobs; default `/sys/fs/cgroup/joblet-<worker_id>.slice`, one per
    /// worker so that cleaning up a crashed predecessor never touches another worker's jobs.
    public var cgroupRoot: String?
    /// The cgroup the worker starts in is delegated to it (a container, a systemd unit with
    /// `Delegate=yes`): job cgroups go below it, as `<own cgroup>/joblet-<worker_id>` (docs/WORKER.md).
    public var cgroupDelegated: Bool = false
    /// Run jobs even when a limit cannot be enforced on this host (reported in the result).
    public var allowUnenforced: Bool = false
    /// What a job gets for every limit it leaves out.
    public var defaultLimits: JobLimits = JobLimits(
        memory: ByteSize(bytes: 1 << 30), pids: 1024,
        timeout: JobDuration(seconds: 3600), disk: ByteSize(bytes: 1 << 30),
        output: ByteSize(bytes: 64 << 20))
    /// What no job may exceed. Safe out of the box; memory and cpu_percent default to this host's
    /// (`withHostCeilings`), so every limit has a ceiling.
    public var maxLimits: JobLimits = JobLimits(
        pids: 4096, timeout: JobDuration(seconds: 86_400),
        disk: ByteSize(bytes: 10 << 30), output: ByteSize(bytes: 1 << 30))
    /// The uids jobs run as: each running job has one of its own, its gid the same number.
    public var jobUIDs: JobUIDRange = .default
    /// The uid and gid that own every file of every volume on disk; each job sees them as its own
    /// (idmapped mounts). 65534 is what jobs wrote volumes as before job uids had a range.
    public var volumeOwner: UInt32 = 65534
    /// Output is coalesced into chunks up to this size … (1M: the broker's cost is per message as much as per
    /// byte, so a flood goes through in fewer, larger messages; `LogStreamer` keeps about 4 MiB awaiting confirms)
    public var logChunkBytes: ByteSize = ByteSize(bytes: 1 << 20)
    /// … or flushed after this long, whichever comes first.
    public var logFlushInterval: JobDuration = JobDuration(seconds: 0.1)
    public var advertInterval: JobDuration = JobDuration(seconds: 5)
    /// How often the runtime directory is checked for changes.
    public var rescanInterval: JobDuration = JobDuration(seconds: 3)
    /// On SIGTERM, running jobs get this long to finish before they are killed and handed back.
    public var drainGracePeriod: JobDuration = JobDuration(seconds: 30)
    /// A runtime's smoke test (`runtime_test` control command) is killed after this long.
    public var runtimeTestTimeout: JobDuration = JobDuration(seconds: 60)
    /// Serve Prometheus text at `http://<metrics.bind>:<metrics.port>/metrics` when set.
    public var metrics: MetricsEndpoint?
    /// Job networks (`bridge`, named networks) and what they may reach; off by default.
    public var network = WorkerNetworkConfig()

    public init() {}

    /// Who is the dispatcher for this worker.
    public var trust: TrustPolicy { TrustPolicy(dispatcherUsers: Set(dispatcherUsers)) }

    /// The shared broker settings (credentials resolution, TLS options).
    public var brokerSettings: BrokerSettings {
        BrokerSettings(urls: brokerURLs, credentialsFile: credentialsFile, tls: brokerTLS)
    }

    /// The cgroup root in effect (see `cgroupRoot`).
    public var effectiveCgroupRoot: String { cgroupRoot ?? "/sys/fs/cgroup/joblet-\(workerID).slice" }

    enum CodingKeys: String, CodingKey {
        case broker, workerID = "worker_id", slots, runtimes, stateDirectory = "state_dir"
        case volumesDirectory = "volumes_dir", cgroup, limits, job, logs, advertInterval = "advert_interval"
        case rescanInterval = "rescan_interval", drainGracePeriod = "drain_grace_period", metrics
        case runtimeTestTimeout = "runtime_test_timeout", dispatcherUsers = "dispatcher_users", network
    }

    struct Broker: Decodable {
        var urls: [String]?
        var credentialsFile: String?
        var tls: BrokerTLS?
        enum CodingKeys: String, CodingKey { case urls, credentialsFile = "credentials_file", tls }
    }
    struct Runtimes: Decodable {
        var basePath: String?
        enum CodingKeys: String, CodingKey { case basePath = "base_path" }
    }
    struct Cgroup: Decodable {
        var root: String?
        var allowUnenforced: Bool?
        var delegated: Bool?
        enum CodingKeys: String, CodingKey { case root, allowUnenforced = "allow_unenforced", delegated }
    }
    struct Limits: Decodable {
        var defaults: JobLimits?
        var max: JobLimits?
        enum CodingKeys: String, CodingKey { case defaults = "default", max }
    }
    struct Job: Decodable {
        var uidRange: JobUIDRange?
        var volumeOwner: UInt32?
        /// Replaced by uid_range: named only to say so.
        var uid: UInt32?
        var gid: UInt32?
        enum CodingKeys: String, CodingKey { case uidRange = "uid_range", volumeOwner = "volume_owner", uid, gid }
    }
    struct Logs: Decodable {
        var chunkBytes: ByteSize?
        var flushInterval: JobDuration?
        enum CodingKeys: String, CodingKey { case chunkBytes = "chunk_bytes", flushInterval = "flush_interval" }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let broker = try container.decodeIfPresent(Broker.self, forKey: .broker) {
            brokerURLs = broker.urls ?? []
            credentialsFile = broker.credentialsFile
            brokerTLS = broker.tls
        }
        workerID = try container.decodeIfPresent(String.self, forKey: .workerID) ?? workerID
        dispatcherUsers = try container.decodeIfPresent([String].self, forKey: .dispatcherUsers) ?? dispatcherUsers
        slots = try container.decodeIfPresent(Int.self, forKey: .slots) ?? slots
        runtimesPath = try container.decodeIfPresent(Runtimes.self, forKey: .runtimes)?.basePath ?? runtimesPath
        stateDirectory = try container.decodeIfPresent(String.self, forKey: .stateDirectory) ?? stateDirectory
        volumesDirectory = try container.decodeIfPresent(String.self, forKey: .volumesDirectory) ?? volumesDirectory
        if let cgroup = try container.decodeIfPresent(Cgroup.self, forKey: .cgroup) {
            cgroupRoot = cgroup.root
            allowUnenforced = cgroup.allowUnenforced ?? allowUnenforced
            cgroupDelegated = cgroup.delegated ?? cgroupDelegated
        }
        if let limits = try container.decodeIfPresent(Limits.self, forKey: .limits) {
            // Fields left out keep their safe defaults, so stating one maximum never lifts the others.
            defaultLimits = (limits.defaults ?? JobLimits()).filled(from: defaultLimits)
            maxLimits = (limits.max ?? JobLimits()).filled(from: maxLimits)
        }
        if let job = try container.decodeIfPresent(Job.self, forKey: .job) {
            if job.uid != nil || job.gid != nil {
                throw WorkerError(
                    .invalidConfig,
                    "job.uid and job.gid are gone: every running job now has a uid of its own from job.uid_range (default \(JobUIDRange.default)); give job.uid_range: \"\(job.uid ?? job.gid ?? 0)\" to keep one shared uid"
                )
            }
            jobUIDs = job.uidRange ?? jobUIDs
            volumeOwner = job.volumeOwner ?? volumeOwner
        }
        if let logs = try container.decodeIfPresent(Logs.self, forKey: .logs) {
            logChunkBytes = logs.chunkBytes ?? logChunkBytes
            logFlushInterval = logs.flushInterval ?? logFlushInterval
        }
        advertInterval = try container.decodeIfPresent(JobDuration.self, forKey: .advertInterval) ?? advertInterval
        rescanInterval = try container.decodeIfPresent(JobDuration.self, forKey: .rescanInterval) ?? rescanInterval
        drainGracePeriod = try container.decodeIfPresent(JobDuration.self, forKey: .drainGracePeriod) ?? drainGracePeriod
        runtimeTestTimeout = try container.decodeIfPresent(JobDuration.self, forKey: .runtimeTestTimeout) ?? runtimeTestTimeout
        network = try container.decodeIfPresent(WorkerNetworkConfig.self, forKey: .network) ?? network
        metrics = try container.decodeIfPresent(MetricsEndpoint.self, forKey: .metrics)
    }
}
