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
    /// Connects, disconnects, reconnect attempts and closes are logged here (endpoints as
    /// host:port only, never credentials). Default: discards everything.
    public var logger: Logger

    public init(url: String, connectionName: String = "joblet") {
        self.init(urls: [url], connectionName: connectionName)
    }

    public init(urls: [String], connectionName: String = "joblet") {
        self.urls = urls
        self.connectionName = connectionName
        self.heartbeat = 30
        self.tls = nil
        self.reconnect = ReconnectPolicy()
        self.publishConfirmTimeout = .seconds(30)
        self.operationTimeout = .seconds(30)
        self.logger = Logger(label: "joblet.amqp", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
