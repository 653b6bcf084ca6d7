import ArgumentParser
import JobletCore

/// Options every command that talks to the cluster accepts.
struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Broker URL, e.g. amqp://user:pass@host:5672/ (default: $JOBLET_BROKER, then rnx.yml, then amqp://guest:guest@127.0.0.1:5672/).", valueName: "url"))
    var broker: String?

    @Option(name: .long, help: ArgumentHelp("Client config file (default: ~/.config/joblet/rnx.yml).", valueName: "file"))
    var config: String?

    /// Where to connect, with credentials resolved, and the rest of the config.
    func resolve() throws -> ResolvedSettings {
        let file = try ClientConfig.load(path: config.map(ClientConfig.expandHome) ?? ClientConfig.defaultPath,
                                         explicit: config != nil)
        let urls: [String]
        if let broker {
            urls = [broker]
        } else if let fromEnvironment = Terminal.environment("JOBLET_BROKER"), !fromEnvironment.isEmpty {
            urls = fromEnvironment.split(separator: ",").map(String.init)
        } else if let list = file.brokers, !list.isEmpty {
            urls = list
        } else if let single = file.broker {
            urls = [single]
        } else {
            urls = ["amqp://guest:guest@127.0.0.1:5672/"]
        }
        for url in urls where !(url.hasPrefix("amqp://") || url.hasPrefix("amqps://")) {
            throw RNXError(.usage, "broker URL \"\(BrokerSettingsRedaction.redact(url))\" must start with amqp:// or amqps:// (set --broker or JOBLET_BROKER)")
        }
        var environment: [String: String] = [:]
        for name in ["JOBLET_BROKER_USER", "JOBLET_BROKER_PASSWORD"] {
            if let value = Terminal.environment(name) { environment[name] = value }
        }
        return try ResolvedSettings(urls: urls, credentialsFile: file.credentialsFile.map(ClientConfig.expandHome),
                                environment: environment, config: file)
    }
}
