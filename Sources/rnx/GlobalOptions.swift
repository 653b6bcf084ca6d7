import ArgumentParser
import JobletClient
import JobletCore
import JobletMessaging

/// Options every command that talks to the cluster accepts.
struct GlobalOptions: ParsableArguments, Sendable {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Broker URL, e.g. amqp://user:pass@host:5672/ (default: $JOBLET_BROKER, then rnx.yml, then amqp://127.0.0.1:5672/; the user and password from the URL, rnx.yml credentials_file or $JOBLET_BROKER_USER/$JOBLET_BROKER_PASSWORD).",
            valueName: "url"))
    var broker: String?

    @Option(name: .long, help: ArgumentHelp("Client config file (default: ~/.config/joblet/rnx.yml).", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp(
            "How long to wait for the broker to answer a connection, e.g. 5s, 500ms (default: connect_timeout in rnx.yml, else 5s).", valueName: "duration"))
    var connectTimeout: String?

    @Option(
        name: .customLong("rpc-timeout"),
        help: ArgumentHelp(
            "How long to wait for the dispatcher to answer a request, e.g. 30s, 2m (default: rpc_timeout in rnx.yml, else 30s).", valueName: "duration"))
    var rpcTimeout: String?

    @Option(
        name: .customLong("tls-ca"),
        help: ArgumentHelp(
            "PEM file of the CA that signed an amqps:// broker's certificate (default: tls.ca in rnx.yml, else the system CAs).", valueName: "file"))
    var tlsCA: String?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp("PEM client certificate for an amqps:// broker that asks for one (with --tls-key; default: tls.cert in rnx.yml).", valueName: "file")
    )
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of --tls-cert (default: tls.key in rnx.yml).", valueName: "file"))
    var tlsKey: String?

    mutating func validate() throws {
        _ = try GlobalOptions.timeout("--connect-timeout", connectTimeout)
        _ = try GlobalOptions.timeout("--rpc-timeout", rpcTimeout)
    }

    /// A positive duration given on the command line; errors name the flag and the accepted forms.
    static func timeout(_ flag: String, _ text: String?) throws -> Duration? {
        guard let text else { return nil }
        let parsed: JobDuration
        do {
            parsed = try JobDuration(parsing: text)
        } catch let error as JobletError {
            throw ValidationError("\(flag): \(error.description)")
        }
        guard parsed.seconds > 0 else {
            throw ValidationError("\(flag): \"\(text)\" must be longer than zero; use \(JobDuration.acceptedForms)")
        }
        return .milliseconds(Int64((parsed.seconds * 1000).rounded(.up)))
    }

    /// Where to connect, with credentials resolved, and the rest of the config.
    func resolve() throws -> ClientSettings {
        let file = try ClientConfig.load(
            path: config.map(ClientConfig.expandHome) ?? ClientConfig.defaultPath,
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
            urls = ["amqp://127.0.0.1:5672/"]
        }
        for url in urls where !(url.hasPrefix("amqp://") || url.hasPrefix("amqps://")) {
            throw RNXError(.usage, "broker URL \"\(BrokerSettings.redact(url))\" must start with amqp:// or amqps:// (set --broker or JOBLET_BROKER)")
        }
        var environment: [String: String] = [:]
        for name in ["JOBLET_BROKER_USER", "JOBLET_BROKER_PASSWORD"] {
            if let value = Terminal.environment(name) { environment[name] = value }
        }
        let (tls, tlsKeys) = tlsSettings(file: file, path: config.map(ClientConfig.expandHome) ?? ClientConfig.defaultPath)
        var settings = try ClientSettings(
            urls: urls, credentialsFile: file.credentialsFile.map(ClientConfig.expandHome),
            tls: tls, tlsKeys: tlsKeys, environment: environment,
            connectTimeout: .milliseconds(Int64((file.connectTimeout?.seconds ?? 5) * 1000)),
            rpcTimeout: .milliseconds(Int64((file.rpcTimeout?.seconds ?? 30) * 1000)),
            maxUploadBytes: file.maxUpload?.bytes ?? (8 << 20))
        settings.connectionName = "rnx"
        // Flags win over rnx.yml.
        if let limit = try GlobalOptions.timeout("--connect-timeout", connectTimeout) { settings.connectTimeout = limit }
        if let limit = try GlobalOptions.timeout("--rpc-timeout", rpcTimeout) { settings.rpcTimeout = limit }
        return settings
    }

    /// rnx.yml's `tls:` with the --tls-* flags on top, and how to name each setting in an error
    /// (the flag when it was given, else the key in rnx.yml).
    func tlsSettings(file: ClientConfig, path: String?) -> (BrokerTLS?, BrokerTLS.Keys) {
        let where_ = path.map { " in \($0)" } ?? " in rnx.yml"
        var tls = file.tls
        if let fromFile = tls {
            tls?.ca = fromFile.ca.map(ClientConfig.expandHome)
            tls?.cert = fromFile.cert.map(ClientConfig.expandHome)
            tls?.key = fromFile.key.map(ClientConfig.expandHome)
        }
        if tlsCA != nil || tlsCert != nil || tlsKey != nil {
            var merged = tls ?? BrokerTLS()
            if let tlsCA { merged.ca = tlsCA }
            if let tlsCert { merged.cert = tlsCert }
            if let tlsKey { merged.key = tlsKey }
            tls = merged
        }
        let flags = [("--tls-ca", tlsCA), ("--tls-cert", tlsCert), ("--tls-key", tlsKey)]
            .filter { $0.1 != nil }.map(\.0)
        // An rnx.yml key only for a value that came from rnx.yml; otherwise the flag to give.
        func name(_ flag: String, _ key: String, _ fromFlag: String?, _ fromFile: String?) -> String {
            fromFlag == nil && fromFile != nil ? "tls.\(key)\(where_)" : flag
        }
        let keys = BrokerTLS.Keys(
            section: flags.isEmpty ? "tls\(where_)" : flags.joined(separator: "/"),
            ca: name("--tls-ca", "ca", tlsCA, file.tls?.ca),
            cert: name("--tls-cert", "cert", tlsCert, file.tls?.cert),
            key: name("--tls-key", "key", tlsKey, file.tls?.key))
        return (tls, keys)
    }
}
