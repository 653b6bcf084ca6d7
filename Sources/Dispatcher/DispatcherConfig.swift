import JobletCore
import JobletMessaging
import JobletMetrics

/// The dispatcher's settings (`config/dispatcher.yml`; every key is documented there).
public struct DispatcherConfig: Sendable, Equatable, Decodable {
    public struct Broker: Sendable, Equatable, Decodable {
        /// amqp:// or amqps:// URLs, tried in order (a cluster).
        public var urls: [String]
        /// `user:password` on one line, mode 0600; the user is also what `user_id` must say.
        public var credentialsFile: String?
        /// `broker.tls`: a private CA and a client certificate for amqps URLs.
        public var tls: BrokerTLS?

        public init(urls: [String] = [], credentialsFile: String? = nil, tls: BrokerTLS? = nil) {
            self.urls = urls
            self.credentialsFile = credentialsFile
            self.tls = tls
        }

        enum CodingKeys: String, CodingKey { case urls, credentialsFile = "credentials_file", tls }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            urls = try container.decodeIfPresent([String].self, forKey: .urls) ?? []
            credentialsFile = try container.decodeIfPresent(String.self, forKey: .credentialsFile)
            tls = try container.decodeIfPresent(BrokerTLS.self, forKey: .tls)
        }

        /// The shared broker settings (credentials resolution, TLS options).
        public var settings: BrokerSettings {
            BrokerSettings(urls: urls, credentialsFile: credentialsFile, tls: tls)
        }
    }

    public var broker: Broker
    /// Where the job store (SQLite, WAL) lives.
    public var stateDir: String
    /// Broker users allowed to see, cancel and delete anybody's jobs and to drain/resume workers.
    public var admins: [String]
    /// Broker users allowed to see (not change) anybody's jobs; others see only their own.
    public var readers: [String]
    /// Worker users are named with this prefix, and a worker's id is its user name (docs/SECURITY.md).
    public var workerUserPrefix: String
    /// How many times a worker may start a job before it is dead-lettered as `lost`.
    public var maxAttempts: Int
    /// Jobs nobody picks up within this time expire from their queue and are recorded as `lost`.
    public var queueTTL: JobDuration?
    /// A queued job whose target had no live worker for this long becomes `unschedulable`.
    public var unschedulableAfter: JobDuration
    /// At most this many queued + running jobs per submitter; absent = no quota.
    public var submitterQuota: Int?
    /// Log bytes kept per job; later chunks are dropped (the job's record says so).
    public var logBytesPerJob: ByteSize
    /// Largest inline upload accepted in a submission.
    public var maxUpload: ByteSize
    /// Largest volume a submitter may create (`volume_create`); a volume made on first use gets
    /// `min(1G, this)`.
    public var maxVolumeSize = ByteSize(bytes: 10 << 30)
    /// Most bytes one owner's volumes may total: each is a disk image on every worker host a job of it
    /// ran on, so without a bound one submitter could fill the workers' disks with volumes.
    public var volumeQuota = ByteSize(bytes: 100 << 30)
    /// Most named networks one owner may have: each is a row every `network_list` answers with, and a
    /// bridge on a worker host while a job of it runs.
    public var maxNetworks = 64
    static let maxNetworksLimit = 10_000
    /// Most job queues the dispatcher declares for workers' adverts: workers may not declare queues, and
    /// a hostile one could otherwise advertise runtimes without end, each a quorum queue on the broker.
    public var maxJobQueues = 1024
    static let maxJobQueuesLimit = 100_000
    /// A worker is forgotten after this many missed advert intervals.
    public var workerExpiryIntervals: Double
    /// Most log bytes returned by one `logs` query (the client asks again from the next seq).
    public var logsReplyBytes: ByteSize
    /// After a (re)start, submissions wait this long so workers' adverts arrive first; without it a
    /// restarted dispatcher would reject queued submissions for want of a fleet.
    public var fleetWarmup: JobDuration
    /// Serve Prometheus text at `http://<metrics.bind>:<metrics.port>/metrics` when set.
    public var metrics: MetricsEndpoint?

    public init(
        broker: Broker = Broker(), stateDir: String = "/var/lib/joblet/dispatcher", admins: [String] = [],
        maxAttempts: Int = 2, queueTTL: JobDuration? = nil,
        unschedulableAfter: JobDuration = JobDuration(seconds: 600), submitterQuota: Int? = nil,
        logBytesPerJob: ByteSize = ByteSize(bytes: 65 << 20), maxUpload: ByteSize = ByteSize(bytes: 8 << 20),
        workerExpiryIntervals: Double = 3, logsReplyBytes: ByteSize = ByteSize(bytes: 4 << 20),
        fleetWarmup: JobDuration = JobDuration(seconds: 6), readers: [String] = [],
        workerUserPrefix: String = TrustPolicy.defaultWorkerUserPrefix
    ) {
        self.broker = broker
        self.stateDir = stateDir
        self.admins = admins
        self.readers = readers
        self.workerUserPrefix = workerUserPrefix
        self.maxAttempts = maxAttempts
        self.queueTTL = queueTTL
        self.unschedulableAfter = unschedulableAfter
        self.submitterQuota = submitterQuota
        self.logBytesPerJob = logBytesPerJob
        self.maxUpload = maxUpload
        self.workerExpiryIntervals = workerExpiryIntervals
        self.logsReplyBytes = logsReplyBytes
        self.fleetWarmup = fleetWarmup
    }

    enum CodingKeys: String, CodingKey {
        case broker, stateDir = "state_dir", admins, maxAttempts = "max_attempts", queueTTL = "queue_ttl"
        case unschedulableAfter = "unschedulable_after", submitterQuota = "submitter_quota"
        case logBytesPerJob = "log_bytes_per_job", maxUpload = "max_upload"
        case maxVolumeSize = "max_volume_size", volumeQuota = "volume_quota", maxNetworks = "max_networks"
        case maxJobQueues = "max_job_queues"
        case workerExpiryIntervals = "worker_expiry_intervals", logsReplyBytes = "logs_reply_bytes"
        case fleetWarmup = "fleet_warmup", readers, workerUserPrefix = "worker_user_prefix", metrics
    }

    public init(from decoder: any Decoder) throws {
        let defaults = DispatcherConfig()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        broker = try container.decodeIfPresent(Broker.self, forKey: .broker) ?? defaults.broker
        stateDir = try container.decodeIfPresent(String.self, forKey: .stateDir) ?? defaults.stateDir
        admins = try container.decodeIfPresent([String].self, forKey: .admins) ?? defaults.admins
        readers = try container.decodeIfPresent([String].self, forKey: .readers) ?? defaults.readers
        workerUserPrefix = try container.decodeIfPresent(String.self, forKey: .workerUserPrefix) ?? defaults.workerUserPrefix
        maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
        queueTTL = try container.decodeIfPresent(JobDuration.self, forKey: .queueTTL)
        unschedulableAfter = try container.decodeIfPresent(JobDuration.self, forKey: .unschedulableAfter) ?? defaults.unschedulableAfter
        submitterQuota = try container.decodeIfPresent(Int.self, forKey: .submitterQuota)
        logBytesPerJob = try container.decodeIfPresent(ByteSize.self, forKey: .logBytesPerJob) ?? defaults.logBytesPerJob
        maxUpload = try container.decodeIfPresent(ByteSize.self, forKey: .maxUpload) ?? defaults.maxUpload
        maxVolumeSize = try container.decodeIfPresent(ByteSize.self, forKey: .maxVolumeSize) ?? defaults.maxVolumeSize
        volumeQuota = try container.decodeIfPresent(ByteSize.self, forKey: .volumeQuota) ?? defaults.volumeQuota
        maxNetworks = try container.decodeIfPresent(Int.self, forKey: .maxNetworks) ?? defaults.maxNetworks
        maxJobQueues = try container.decodeIfPresent(Int.self, forKey: .maxJobQueues) ?? defaults.maxJobQueues
        workerExpiryIntervals = try container.decodeIfPresent(Double.self, forKey: .workerExpiryIntervals) ?? defaults.workerExpiryIntervals
        logsReplyBytes = try container.decodeIfPresent(ByteSize.self, forKey: .logsReplyBytes) ?? defaults.logsReplyBytes
        fleetWarmup = try container.decodeIfPresent(JobDuration.self, forKey: .fleetWarmup) ?? defaults.fleetWarmup
        metrics = try container.decodeIfPresent(MetricsEndpoint.self, forKey: .metrics)
    }

    /// Reads a YAML config file; errors carry file:line:column, unknown keys come back as warnings.
    public static func load(path: String) throws -> (config: DispatcherConfig, warnings: [String]) {
        let text = try FileText.read(path)
        let decoded = try YAML.decode(DispatcherConfig.self, from: text, file: path)
        try decoded.value.validate()
        return (decoded.value, decoded.warnings.map(\.description))
    }

    /// Cross-field checks the decoder cannot express.
    public func validate() throws {
        guard (1...JobMessage.maxAttemptsLimit).contains(maxAttempts) else {
            throw DispatcherError(.invalidConfig, "max_attempts: give 1-\(JobMessage.maxAttemptsLimit) (it is \(maxAttempts))")
        }
        if let submitterQuota, submitterQuota < 1 {
            throw DispatcherError(.invalidConfig, "submitter_quota: must be at least 1, or leave it out for no quota")
        }
        if let queueTTL, queueTTL.seconds < 1 {
            throw DispatcherError(.invalidConfig, "queue_ttl: must be at least 1s, or leave it out")
        }
        guard maxUpload.bytes >= 0, maxUpload.bytes <= Int64(BodyLimits.maxUpload) else {
            throw DispatcherError(
                .invalidConfig,
                "max_upload: at most \(ByteSize(bytes: Int64(BodyLimits.maxUpload))) (it is \(maxUpload)); larger inputs belong in a volume")
        }
        guard volumeQuota >= maxVolumeSize else {
            throw DispatcherError(
                .invalidConfig, "volume_quota: at least max_volume_size (\(maxVolumeSize)), or no volume of that size can be made (it is \(volumeQuota))")
        }
        guard (0...Self.maxNetworksLimit).contains(maxNetworks) else {
            throw DispatcherError(.invalidConfig, "max_networks: give 0-\(Self.maxNetworksLimit) (it is \(maxNetworks)); 0 turns named networks off")
        }
        guard (1...Self.maxJobQueuesLimit).contains(maxJobQueues) else {
            throw DispatcherError(.invalidConfig, "max_job_queues: give 1-\(Self.maxJobQueuesLimit) (it is \(maxJobQueues))")
        }
        guard workerExpiryIntervals >= 1 else {
            throw DispatcherError(.invalidConfig, "worker_expiry_intervals: must be at least 1")
        }
        do { try metrics?.validate() } catch { throw DispatcherError(.invalidConfig, error.message) }
        guard !stateDir.isEmpty else {
            throw DispatcherError(.invalidConfig, "state_dir: must not be empty")
        }
        do {
            _ = try broker.tls?.options()
        } catch let error as JobletError {
            throw DispatcherError(.invalidConfig, error.message)
        }
    }
}
