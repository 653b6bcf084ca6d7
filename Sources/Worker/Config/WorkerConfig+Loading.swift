import JobletCore
import JobletMessaging
import JobletMetrics

extension WorkerConfig {
    /// Parses `worker.yml`. Errors carry file:line:column; unknown keys come back as warnings.
    public static func load(text: String, file: String? = nil) throws -> (config: WorkerConfig, warnings: [String]) {
        let decoded = try YAML.decode(WorkerConfig.self, from: text, file: file)
        try decoded.value.validate()
        return (decoded.value, decoded.warnings.map(\.description))
    }

    public static func load(path: String) throws -> (config: WorkerConfig, warnings: [String]) {
        try load(text: FileText.read(path), file: path)
    }

    /// Checks values that are well-typed but unusable.
    public func validate() throws {
        guard slots >= 1 else {
            throw WorkerError(.invalidConfig, "slots: must be at least 1 (it is \(slots))")
        }
        // Empty = not configured: bindToBrokerUser() sets it to the broker user before the worker starts.
        guard workerID.isEmpty || BrokerUserName.isValid(workerID) else {
            throw WorkerError(
                .invalidConfig, "worker_id: \"\(workerID)\" must be \(BrokerUserName.allowed) (it is the worker's broker user and a routing-key word)")
        }
        guard !dispatcherUsers.isEmpty else {
            throw WorkerError(.invalidConfig, "dispatcher_users: give the dispatcher's broker user (default joblet-dispatcher)")
        }
        for (name, path) in [("state_dir", stateDirectory), ("volumes_dir", volumesDirectory), ("runtimes.base_path", runtimesPath)]
        where !path.hasPrefix("/") {
            throw WorkerError(.invalidConfig, "\(name): \"\(path)\" must be an absolute path")
        }
        if cgroupDelegated, let cgroupRoot {
            throw WorkerError(
                .invalidConfig, "cgroup.root \"\(cgroupRoot)\" and cgroup.delegated exclude each other: a delegated worker keeps its jobs below its own cgroup")
        }
        try validateJobUIDs()
        guard logChunkBytes.bytes >= 1024, logChunkBytes.bytes <= LogChunk.maxBytes else {
            throw WorkerError(.invalidConfig, "logs.chunk_bytes: give 1K to 8M (it is \(logChunkBytes))")
        }
        guard logFlushInterval.seconds > 0, advertInterval.seconds > 0, rescanInterval.seconds > 0 else {
            throw WorkerError(.invalidConfig, "logs.flush_interval, advert_interval and rescan_interval must be positive")
        }
        guard runtimeTestTimeout.seconds > 0 else {
            throw WorkerError(.invalidConfig, "runtime_test_timeout: must be positive")
        }
        do { try metrics?.validate() } catch { throw WorkerError(.invalidConfig, error.message) }
        do {
            _ = try brokerTLS?.options()
        } catch let error as JobletError {
            throw WorkerError(.invalidConfig, error.message)
        }
        do {
            try defaultLimits.validate()
            try maxLimits.validate()
        } catch let error as JobletError {
            throw WorkerError(.invalidConfig, "limits: \(error.message)")
        }
        if let excess = defaultLimits.firstExcess(over: maxLimits) {
            throw WorkerError(
                .invalidConfig,
                "limits.default: \(excess.field.dropFirst("limits.".count)) \(excess.value) is over limits.max (\(excess.ceiling)); lower the default or raise the maximum"
            )
        }
    }

    /// Memory and CPU ceilings this host can honour, where worker.yml states none: a job asking for
    /// more than the machine has is refused rather than written into its cgroup.
    public func withHostCeilings(memoryTotal: Int64, cpus: Int) -> WorkerConfig {
        var config = self
        if config.maxLimits.memory == nil, memoryTotal > 0 { config.maxLimits.memory = ByteSize(bytes: memoryTotal) }
        if config.maxLimits.cpuPercent == nil, cpus > 0 { config.maxLimits.cpuPercent = 100 * cpus }
        return config
    }
}

extension WorkerConfig {
    /// The worker id is its broker user: taken from the credentials when not configured, and an
    /// error when configured differently (the dispatcher would refuse every advert and result).
    public mutating func bindToBrokerUser() throws {
        let configuration = try brokerSettings.configuration(
            connectionName: "joblet-worker",
            environment: ProcessEnvironment.current)
        guard let user = configuration.user, !user.isEmpty else {
            throw WorkerError(.invalidConfig, "no broker user: give the worker's user in broker.credentials_file, --credentials-file or JOBLET_BROKER_USER")
        }
        if workerID.isEmpty {
            workerID = user
        } else if workerID != user {
            throw WorkerError(
                .invalidConfig,
                "worker_id \"\(workerID)\" differs from the broker user \"\(user)\": the dispatcher believes a worker's adverts and results only from its own broker user, so leave --id and worker_id out (the id is then \(user)), or log in as \(workerID)"
            )
        }
    }
}
