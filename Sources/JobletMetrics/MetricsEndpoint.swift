import Logging

/// The `metrics:` section of the worker's and the dispatcher's configs: with a port, Prometheus text is
/// served at `http://<bind>:<port>/metrics`; loopback unless the config says otherwise.
public struct MetricsEndpoint: Sendable, Equatable, Decodable {
    /// 0 lets the kernel pick a free port (the daemon logs the one it got).
    public var port: Int
    public var bind: String
    public static let loopback = "127.0.0.1"

    public init(port: Int, bind: String = MetricsEndpoint.loopback) {
        self.port = port
        self.bind = bind
    }

    enum CodingKeys: String, CodingKey { case port, bind }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        port = try container.decode(Int.self, forKey: .port)
        bind = try container.decodeIfPresent(String.self, forKey: .bind) ?? Self.loopback
    }

    /// The checks a config load makes (the address itself is checked when it is bound).
    public func validate() throws(MetricsError) {
        guard (0...65535).contains(port) else {
            throw MetricsError(.invalidConfig, "metrics.port: give 0 to 65535 (it is \(port); 0 picks a free port)")
        }
    }

    /// Binds, starts serving `render()` and logs the address (with the port the kernel picked for 0).
    public func serve(logger: Logger, render: @escaping @Sendable () -> String) throws -> MetricsServer {
        let server = try MetricsServer(bind: bind, port: port, logger: logger, render: render)
        try server.start()
        logger.info("serving Prometheus metrics at http://\(bind):\(server.port)/metrics")
        return server
    }
}
