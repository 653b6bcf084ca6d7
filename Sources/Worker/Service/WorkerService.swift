import AMQP
import Isolation
import JobletCore
import JobletPackages
import JobletMessaging
import JobletMetrics
import Logging
import ServiceLifecycle
import Synchronization
import SystemCalls

/// `joblet-worker` as a service: advertises itself, consumes the queues of the runtimes it has while
/// it has free slots, runs jobs in sandboxes and reports them. On graceful shutdown it stops consuming,
/// lets running jobs finish up to the grace period, hands back the rest and advertises `offline`.
public final class WorkerService: Service, Sendable {
    public let config: WorkerConfig
    let logger: Logger
    /// Also the one owner of the metrics registry (`state.registry`) the Prometheus endpoint reads.
    let state: WorkerState
    let inventory: RuntimeInventory
    /// Each running job's own uid; survives reconnects.
    let uids: JobUIDPool
    /// Job messages and control commands refused for their sender (docs/SECURITY.md).
    let refusals: RefusalLog
    let arch = Architecture.host
    /// Targets whose job queues exist. The dispatcher declares them (workers may not: docs/SECURITY.md);
    /// the worker looks for each (WorkerService+QueueSearch) and consumes only those it found.
    let foundTargets = Mutex<Set<String>>([])
    /// Job networks; nil unless worker.yml `network.enabled`.
    let networks: HostNetwork?
    /// Runtime smoke tests running now. Any user may ask for them (through the dispatcher, to every
    /// worker offering the runtime), so they are bounded here rather than run one per command.
    let runtimeTests = Mutex(0)
    static let maxRuntimeTests = 1

    public init(config: WorkerConfig, logger: Logger) {
        self.config = config.withHostCeilings(memoryTotal: HostInfo.memory.total, cpus: HostInfo.onlineCPUs)
        self.logger = logger
        let metrics = WorkerMetricsRegistry(workerID: config.workerID, slotsTotal: config.slots)
        self.state = WorkerState(slots: config.slots, registry: metrics)
        self.inventory = RuntimeInventory(basePath: config.runtimesPath, logger: logger)
        self.uids = JobUIDPool(range: config.jobUIDs)
        self.networks = Self.makeNetworks(self.config)
        self.refusals = RefusalLog(logger: logger) { kind in metrics.recordRefused(kind: kind) }
    }

    /// Everything that exists only while connected.
    struct Session: Sendable {
        let connection: AMQPConnection
        /// Job consumers, their acks and dead-lettering (confirms on: dead-lettering awaits the copy).
        let jobChannel: AMQPChannel
        /// Events, logs, adverts, replies (confirms on).
        let publishChannel: AMQPChannel
        let controlChannel: AMQPChannel
        let consumers: ConsumerSet
        let runner: JobRunner
        let jobs: AsyncStream<JobWork>
        let jobSink: AsyncStream<JobWork>.Continuation
        let reconcileRequests: AsyncStream<Void>
        let reconcileSink: AsyncStream<Void>.Continuation
        let queueSearches: AsyncStream<Void>
        let queueSearchSink: AsyncStream<Void>.Continuation
    }

    public func run() async throws {
        // The host's set-up blocks (directories, a predecessor's leftovers, cgroups, users, networks): off the
        // cooperative pool, like every blocking call.
        let cgroups = try await BlockingExecutor.shared.run { try self.prepareHost() }
        let disks = try await prepareDisks()
        let volumeMounts = try await BlockingExecutor.shared.run { [config, logger] in
            let mounts = try self.prepareJobUsers()
            try self.prepareNetworks()
            refillSpareNetworkNamespaces(slots: config.slots, logger: logger)
            return mounts
        }
        defer {
            SpareNetworkNamespaces.drain()
            networks?.stop()
        }
        let metricsServer = try startMetricsServer()
        defer { metricsServer?.stop() }
        let session = try await connect(cgroups: cgroups, disks: disks, volumeMounts: volumeMounts)
        let control = try await listenForControl(on: session.controlChannel)
        logger.info(
            "worker online",
            metadata: [
                "worker": "\(config.workerID)", "slots": "\(config.slots)",
                "brokers": "\(config.brokerURLs.map(BrokerSettings.redact).joined(separator: ","))",
                "cgroups": "\(cgroups?.mode.rawValue ?? "none")",
            ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consumeLoop(session) }
            group.addTask { await self.jobLoop(session) }
            group.addTask { await self.reconcileLoop(session) }
            group.addTask { await self.queueSearchLoop(session) }
            group.addTask { await self.housekeepingLoop(session) }
            group.addTask { await self.controlLoop(session, first: control) }
            group.addTask { await self.connectionLoop(session) }
            // Returns on SIGTERM/SIGINT (graceful shutdown) or when the service is cancelled.
            try? await gracefulShutdown()
            await self.shutdown(session)
            group.cancelAll()
        }
        await disks?.shutdown()
        unmountVolumes()
        await session.connection.close()
        logger.info("worker stopped", metadata: ["worker": "\(config.workerID)"])
    }

    /// Serves Prometheus text at `metrics.bind:metrics.port` when a port is configured.
    func startMetricsServer() throws -> MetricsServer? {
        let registry = state.registry
        return try config.metrics?.serve(logger: logger) { registry.prometheusText() }
    }

    /// Directories, cgroups, and the leftovers of a crashed predecessor.
    func prepareHost() throws -> CgroupManager? {
        try FileSystem.makeDirectories(config.stateDirectory, mode: 0o711)
        let jobsDirectory = config.stateDirectory + "/jobs"
        for name in DirectoryEntries.namesIfPresent(jobsDirectory) {
            logger.info("removing work dir of a crashed predecessor", metadata: ["job": "\(name)"])
            do { try TreeRemoval.remove(jobsDirectory + "/" + name) } catch {
                // One stubborn leftover (a mount inside it) must not keep the worker down: say so and serve.
                logger.error("could not remove a leftover work dir", metadata: ["job": "\(name)", "error": "\(error)"])
            }
        }
        let retiredInUse = RuntimePackage.collectRetired(basePath: config.runtimesPath)
        if !retiredInUse.isEmpty {
            logger.info("keeping retired runtimes that jobs still use", metadata: ["count": "\(retiredInUse.count)"])
        }
        inventory.rescan(force: true)
        let root = config.effectiveCgroupRoot
        let lastComponent = root.split(separator: "/").last.map(String.init) ?? "joblet"
        let v1Name = lastComponent.hasSuffix(".slice") ? String(lastComponent.dropLast(6)) : lastComponent
        do {
            let manager = try CgroupManager(
                configuration: CgroupConfiguration(
                    v2Root: root, v1Name: v1Name, defaultPids: config.defaultLimits.pids ?? 1024,
                    allowUnenforced: config.allowUnenforced, delegated: config.cgroupDelegated))
            logger.info("job cgroups", metadata: ["mode": "\(manager.mode.rawValue)", "under": "\(manager.parentDirectories.joined(separator: ","))"])
            let removed = try manager.cleanupLeftovers()
            if removed > 0 { logger.info("removed leftover job cgroups", metadata: ["count": "\(removed)"]) }
            return manager
        } catch {
            guard config.allowUnenforced else {
                throw WorkerError(.system, "cgroups unavailable: \(error); fix the host or set cgroup.allow_unenforced: true")
            }
            logger.warning("running without cgroups: limits are NOT enforced", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func connect(cgroups: CgroupManager?, disks: DiskPool?, volumeMounts: IdmappedVolumes?) async throws -> Session {
        let connection = try await AMQPConnection.connect(
            config.brokerSettings.configuration(
                connectionName: "joblet-worker \(config.workerID)",
                environment: ProcessEnvironment.current))
        let jobChannel = try await connection.openChannel()
        try await jobChannel.enableConfirms()
        // Per consumer: quorum queues reject a global prefetch (see ConsumerBooks for the bound).
        try await jobChannel.qos(prefetchCount: 1)
        let publishChannel = try await connection.openChannel()
        try await publishChannel.enableConfirms()
        let controlChannel = try await connection.openChannel()
        try await controlChannel.enableConfirms()
        try await waitForTopology(connection)
        let (jobs, jobSink) = AsyncStream.makeStream(of: JobWork.self)
        let (reconcileRequests, reconcileSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (queueSearches, queueSearchSink) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let consumers = ConsumerSet(channel: jobChannel, slots: config.slots, logger: logger)
        try await consumers.catchLateDeliveries()
        let runner = JobRunner(
            config: config, jobChannel: jobChannel, publishChannel: publishChannel,
            inventory: inventory, cgroups: cgroups, disks: disks, state: state, uids: uids,
            volumeMounts: volumeMounts, networks: networks, trust: config.trust,
            refusals: refusals, consumers: consumers, logger: logger)
        return Session(
            connection: connection, jobChannel: jobChannel, publishChannel: publishChannel,
            controlChannel: controlChannel, consumers: consumers,
            runner: runner, jobs: jobs, jobSink: jobSink,
            reconcileRequests: reconcileRequests, reconcileSink: reconcileSink,
            queueSearches: queueSearches, queueSearchSink: queueSearchSink)
    }

    /// Only the dispatcher's user may declare Joblet's exchanges: wait until it has (the last one it
    /// declares is `joblet.api`), checking passively, which needs no permission.
    func waitForTopology(_ connection: AMQPConnection) async throws {
        var warned = false
        while true {
            let channel = try await connection.openChannel()
            do {
                try await channel.checkExchange(Topology.apiExchange)
                await channel.close()
                return
            } catch let error as AMQPError where error.replyCode == 404 {
                if !warned {
                    logger.warning("waiting for the dispatcher to declare Joblet's exchanges (start joblet-dispatcher)")
                    warned = true
                }
            }
            await channel.close()
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// What this worker consumes (`Topology.jobTargets`): jobs with a network wait in `<target>+net`,
    /// consumed only where networks are offered.
    var targets: [String] {
        Topology.jobTargets(arch: arch, runtimeIDs: inventory.runtimes.map(\.descriptor.id), networked: networks != nil)
    }
}
