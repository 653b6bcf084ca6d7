import Logging

/// Everything needed to connect to a broker (or a cluster of brokers).
public struct AMQPConfiguration: Sendable {
    /// `amqp://user:pass@host:port/vhost` or `amqps://...`; tried in order on connect and reconnect.
    public var urls: [String]
    /// Shown as "connection_name" in the management UI.
    public var connectionName: String
    /// Heartbeat interval in seconds (0 disables; a dead peer is detected after two missed beats).
    public var heartbeat: Int
    /// TLS settings for amqps URLs (defaults apply when nil).
    public var tls: TLSOptions?
    public var reconnect: ReconnectPolicy
    /// How long a confirmed publish may wait for its confirm, across reconnects.
    public var publishConfirmTimeout: Duration
    /// Timeout of synchronous broker calls (declare, bind, qos...) and of the TCP connect.
    public var operationTimeout: Duration
    /// How to log in: the URL's user and password (PLAIN), or the client certificate (EXTERNAL).
    public var login: LoginMethod
    /// Stamp every publish that has no `user_id` with the connection's user, so consumers can tell
    /// who sent it (RabbitMQ refuses a `user_id` that is not the connection's user).
    public var identifyPublishes: Bool
    /// Connects, disconnects, reconnect attempts and closes are logged here (endpoints as
    /// host:port only, never credentials). Default: discards everything.
    public var logger: Logger

    /// SASL mechanisms the client speaks.
    public enum LoginMethod: String, Sendable {
        /// User and password from the URL.
        case plain
        /// The broker takes the user from the client certificate (RabbitMQ's
        /// `rabbitmq_auth_mechanism_ssl`); needs an amqps:// URL and `TLSOptions` with a certificate.
        case external
    }

    /// The user this configuration logs in as: the first URL's user (with EXTERNAL login, the URL
    /// names the certificate's user, e.g. `amqps://joblet-worker-a@host:5671/`). Nil for an unparsable URL.
    public var user: String? {
        guard let first = urls.first, let url = try? AMQPURL(parsing: first) else { return nil }
        return url.user
    }

    public init(url: String, connectionName: String = "joblet") {
        self.init(urls: [url], connectionName: connectionName)
    }

    public init(urls: [String], connectionName: String = "joblet") {
        self.urls = urls
        self.connectionName = connectionName
        self.heartbeat = 30
        self.tls = nil
        self.login = .plain
        self.identifyPublishes = false
        self.reconnect = ReconnectPolicy()
        self.publishConfirmTimeout = .seconds(30)
        self.operationTimeout = .seconds(30)
        self.logger = Logger(label: "joblet.amqp", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
