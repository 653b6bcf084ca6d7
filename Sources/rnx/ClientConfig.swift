#if canImport(Glibc)
    import Glibc
#endif
import JobletCore
import JobletMessaging

/// `~/.config/joblet/rnx.yml`: where the broker is and how to log in. Every key is optional.
///
/// ```yaml
/// broker: amqp://broker.example:5672/      # or brokers: [url, url] for a cluster
/// credentials_file: ~/.config/joblet/credentials   # "user:password", mode 0600
/// max_upload: 8M            # inline upload limit (the dispatcher enforces its own)
/// connect_timeout: 5s
/// rpc_timeout: 30s
/// tls:                      # for amqps:// brokers; flags --tls-ca/--tls-cert/--tls-key win
///   ca: ~/.config/joblet/broker-ca.pem   # CA of the broker's certificate (default: system CAs)
///   cert: ~/.config/joblet/client.pem    # client certificate + key, if the broker asks for one
///   key: ~/.config/joblet/client.key
///   verify_hostname: true
/// ```
struct ClientConfig: Decodable, Sendable {
    var broker: String?
    var brokers: [String]?
    var credentialsFile: String?
    var maxUpload: ByteSize?
    var connectTimeout: JobDuration?
    var rpcTimeout: JobDuration?
    var tls: BrokerTLS?

    init() {}

    enum CodingKeys: String, CodingKey {
        case broker, brokers, credentialsFile = "credentials_file", maxUpload = "max_upload"
        case connectTimeout = "connect_timeout", rpcTimeout = "rpc_timeout", tls
    }

    /// `$JOBLET_RNX_CONFIG`, else `$XDG_CONFIG_HOME/joblet/rnx.yml`, else `~/.config/joblet/rnx.yml`.
    static var defaultPath: String? {
        if let explicit = Terminal.environment("JOBLET_RNX_CONFIG") { return explicit }
        if let xdg = Terminal.environment("XDG_CONFIG_HOME"), !xdg.isEmpty { return "\(xdg)/joblet/rnx.yml" }
        if let home = Terminal.environment("HOME"), !home.isEmpty { return "\(home)/.config/joblet/rnx.yml" }
        return nil
    }

    /// Loads `path`; a missing default file is an empty config, a missing explicit one an error.
    static func load(path: String?, explicit: Bool) throws -> ClientConfig {
        guard let path else { return ClientConfig() }
        guard access(path, F_OK) == 0 else {
            if explicit { throw RNXError(.usage, "config file \(path) does not exist") }
            return ClientConfig()
        }
        do {
            let decoded = try YAML.decode(ClientConfig.self, from: try FileText.read(path), file: path)
            for warning in decoded.warnings { Terminal.err("rnx: warning: \(warning)") }
            return decoded.value
        } catch let error as JobletError {
            throw RNXError(.usage, error.message, cause: error.cause)
        }
    }

    /// `~/x` -> `$HOME/x`.
    static func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = Terminal.environment("HOME") else { return path }
        return home + path.dropFirst(1)
    }
}
