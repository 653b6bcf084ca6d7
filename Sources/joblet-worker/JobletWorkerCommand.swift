import ArgumentParser
import Logging
import JobletMessaging
import Worker

/// `joblet-worker`: runs jobs from the Joblet queues in sandboxes.
@main
struct JobletWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "joblet-worker",
        abstract: "Run Joblet jobs from RabbitMQ in sandboxes.",
        subcommands: [Run.self, RuntimeCommand.self],
        defaultSubcommand: Run.self)
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the worker (the default).")

    @Option(help: "Path of worker.yml.")
    var config: String?
    @Option(help: "Broker URL (repeat for a cluster); replaces the config's broker.urls.")
    var broker: [String] = []
    @Option(help: "Worker id; must be the worker's broker user name (default: that user).")
    var id: String?
    @Option(name: .customLong("credentials-file"), help: "File with user:password for the broker (mode 0600).")
    var credentialsFile: String?
    @Option(name: .customLong("dispatcher-user"), help: "Broker user whose jobs and commands this worker accepts (repeatable); replaces dispatcher_users.")
    var dispatcherUser: [String] = []
    @Option(help: "How many jobs run at once.")
    var slots: Int?
    @Option(help: "Base path of installed runtimes.")
    var runtimes: String?
    @Option(name: .customLong("state-dir"), help: "Where job work dirs live.")
    var stateDir: String?
    @Flag(
        name: .customLong("cgroup-delegated"),
        help: "Keep job cgroups below the worker's own cgroup (a container's, or a systemd unit's with Delegate=yes); sets cgroup.delegated.")
    var cgroupDelegated = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "joblet-worker")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var workerConfig = WorkerConfig()
        if let config {
            do {
                let loaded = try WorkerConfig.load(path: config)
                workerConfig = loaded.config
                for warning in loaded.warnings { logger.warning("\(warning)") }
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if !broker.isEmpty { workerConfig.brokerURLs = broker }
        if let credentialsFile { workerConfig.credentialsFile = credentialsFile }
        if !dispatcherUser.isEmpty { workerConfig.dispatcherUsers = dispatcherUser }
        if let id { workerConfig.workerID = id }
        do { try workerConfig.bindToBrokerUser() } catch { throw ValidationError("\(error)") }
        if let slots { workerConfig.slots = slots }
        if let runtimes { workerConfig.runtimesPath = runtimes }
        if let stateDir { workerConfig.stateDirectory = stateDir }
        if cgroupDelegated { workerConfig.cgroupDelegated = true }
        do { try workerConfig.validate() } catch { throw ValidationError("\(error)") }
        let service = WorkerService(config: workerConfig, logger: logger)
        try await Daemon.run(service, logger: logger)
    }
}
