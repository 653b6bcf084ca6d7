/// A connection to a RabbitMQ broker (or cluster), owned by one dedicated OS thread.
///
/// Reconnects automatically with exponential backoff over the configured URLs; channels,
/// their topology, qos, confirms and consumers are restored, and unconfirmed publishes re-sent.
public final class AMQPConnection: Sendable {
    let loop: ConnectionLoop

    private init(loop: ConnectionLoop) {
        self.loop = loop
    }

    deinit {
        loop.requestStop()
    }

    /// Connects to the first reachable URL (each tried once, in order).
    /// Throws `.invalidURL`, `.connectionRefused`, `.authenticationFailed`, `.vhostNotFound` or `.tls`.
    public static func connect(_ configuration: AMQPConfiguration) async throws -> AMQPConnection {
        guard !configuration.urls.isEmpty else {
            throw AMQPError(.invalidURL, "no broker URL configured")
        }
        var urls: [AMQPURL] = []
        for text in configuration.urls { urls.append(try AMQPURL(parsing: text)) }
        let loop = try ConnectionLoop(configuration: configuration, urls: urls)
        try loop.start()
        do {
            try await loop.perform { loop in try loop.connectInitially() }
        } catch {
            loop.requestStop()
            throw error
        }
        return AMQPConnection(loop: loop)
    }

    /// The broker user this connection logs in as (the first URL's user): what RabbitMQ accepts
    /// in the `user_id` property of its publishes.
    public var user: String { loop.urls.first?.user ?? "" }

    /// Opens a new channel (opened on the next reconnect if the connection is down right now).
    public func openChannel() async throws -> AMQPChannel {
        let id = try await loop.perform { loop in try loop.newChannel() }
        return AMQPChannel(connection: self, id: id)
    }

    /// `.disconnected`, `.reconnected` and `.closed` as they happen (the newest 64 are buffered).
    public var events: AsyncStream<AMQPConnectionEvent> { loop.events }

    /// Increments on every successful reconnect; deliveries carry the generation they arrived in.
    public var generation: UInt64 { loop.generation }

    public var isConnected: Bool { loop.isConnected }

    /// `host:port` of the broker node the connection is on right now (nil while reconnecting).
    public var endpoint: String? { loop.endpoint }

    /// Closes the connection: pending publishes fail, consumers end, the thread exits.
    public func close() async {
        _ = try? await loop.perform { loop in loop.shutdown(error: nil) }
    }
}
