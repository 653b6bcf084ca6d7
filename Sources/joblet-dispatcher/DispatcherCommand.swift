import ArgumentParser
import Dispatcher
import JobletCore
import JobletMessaging
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `joblet-dispatcher`: validates and routes submissions, keeps the fleet registry and the job store,
/// answers queries. Configuration from `--config` (YAML), overridden by flags.
@main
struct DispatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "joblet-dispatcher",
        abstract: "Route Joblet submissions to workers and keep the job store.",
        discussion: """
            Examples:
              joblet-dispatcher --config /etc/joblet/dispatcher.yml
              joblet-dispatcher --broker amqp://127.0.0.1:5672/ --state-dir /tmp/joblet-dispatcher
            Credentials: --credentials-file (user:password) or JOBLET_BROKER_USER/JOBLET_BROKER_PASSWORD, never
            on the command line; the user is the dispatcher role user (scripts/broker-roles, docs/SECURITY.md).
            TLS: amqps:// URLs; a private CA or a client certificate go in broker.tls of the config file.
            """)

    @Option(name: .long, help: "YAML configuration file (see config/dispatcher.yml).")
    var config: String?

    @Option(name: .long, help: "Broker URL (repeat for a cluster); overrides broker.urls. Default: $JOBLET_BROKER.")
    var broker: [String] = []

    @Option(name: .long, help: "File with user:password for the broker.")
    var credentialsFile: String?

    @Option(name: .long, help: "Directory of the job store.")
    var stateDir: String?

    @Option(name: .long, help: "Broker user allowed to see, cancel and delete any job and drain workers (repeatable).")
    var admin: [String] = []

    @Option(name: .long, help: "Broker user allowed to see any job (repeatable).")
    var reader: [String] = []

    @Option(name: .long, help: "Default attempts per job before it is lost.")
    var maxAttempts: Int?

    @Option(name: .long, help: "Mark queued jobs unschedulable after this long without a live worker, e.g. 10m.")
    var unschedulableAfter: String?

    @Option(name: .long, help: "Expire jobs nobody picks up within this time, e.g. 1h.")
    var queueTTL: String?

    @Option(name: .long, help: "Wait this long for worker adverts before routing submissions after a start, e.g. 6s.")
    var fleetWarmup: String?

    @Option(name: .long, help: "At most this many queued + running jobs per submitter; more are rejected (quota_exceeded).")
    var submitterQuota: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "joblet.dispatcher")
        do {
            var settings = DispatcherConfig()
            if let config {
                let loaded = try DispatcherConfig.load(path: config)
                settings = loaded.config
                for warning in loaded.warnings { logger.warning("\(warning)") }
            }
            let environment = ProcessEnvironment.current
            if !broker.isEmpty { settings.broker.urls = broker }
            if settings.broker.urls.isEmpty, let url = environment["JOBLET_BROKER"] { settings.broker.urls = [url] }
            if let credentialsFile { settings.broker.credentialsFile = credentialsFile }
            if let stateDir { settings.stateDir = stateDir }
            if !admin.isEmpty { settings.admins += admin }
            if !reader.isEmpty { settings.readers += reader }
            if let maxAttempts { settings.maxAttempts = maxAttempts }
            if let unschedulableAfter { settings.unschedulableAfter = try JobDuration(parsing: unschedulableAfter) }
            if let fleetWarmup { settings.fleetWarmup = try JobDuration(parsing: fleetWarmup) }
            if let submitterQuota { settings.submitterQuota = submitterQuota }
            if let queueTTL { settings.queueTTL = try JobDuration(parsing: queueTTL) }
            try settings.validate()

            let configuration = try settings.broker.settings.configuration(
                connectionName: "joblet-dispatcher",
                environment: environment)
            guard let user = configuration.user, BrokerUserName.isValid(user) else {
                throw DispatcherError(
                    .invalidConfig,
                    "the dispatcher's broker user must be \(BrokerUserName.allowed) (give it in --credentials-file, JOBLET_BROKER_USER or the URL); create it with scripts/broker-roles apply dispatcher:joblet-dispatcher"
                )
            }
            logger.info(
                "starting",
                metadata: [
                    "broker": "\(configuration.urls.map(BrokerSettings.redact).joined(separator: ","))",
                    "user": "\(user)", "state_dir": "\(settings.stateDir)",
                ])
            let store = try JobStore(directory: settings.stateDir)
            let dispatcher = Dispatcher(config: settings, store: store, brokerUser: user, logger: logger)
            let service = DispatcherService(dispatcher: dispatcher, configuration: configuration, logger: logger)
            try await Daemon.run(service, logger: logger)
        } catch let error as DispatcherError {
            FileHandleOutput.error("joblet-dispatcher: \(error)")
            throw ExitCode(2)
        } catch let error as JobletError {
            FileHandleOutput.error("joblet-dispatcher: \(error)")
            throw ExitCode(2)
        }
    }
}

enum FileHandleOutput {
    static func error(_ text: String) {
        let line = text + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
