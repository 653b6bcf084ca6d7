import Logging
import ServiceLifecycle

/// How both daemons run: their one service until SIGTERM or SIGINT, which stop it gracefully.
public enum Daemon {
    /// Runs `service` in a service group that shuts it down gracefully on SIGTERM and SIGINT.
    public static func run(_ service: some Service, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
