import AMQP
import JobletCore
import JobletMessaging
import Synchronization

/// A connection to a Joblet cluster, for rnx and for any Swift service: submissions and queries on
/// `joblet.api` (keys `submit`, `rpc`), both over direct reply-to, and job following
/// (`ClusterClient+Jobs.swift`). It declares nothing of Joblet's: only the dispatcher's user may.
/// Errors are `JobletClientError`s that say what to do.
public final class ClusterClient: Sendable {
    /// What it connected with: broker URLs, user, TLS and timeouts.
    public let settings: ClientSettings
    /// For callers that need a channel of their own (rnx's runtime deploys); closed by `close()`.
    public let connection: AMQPConnection
    let channel: AMQPChannel
    let rpc: RPCClient
    /// Queues seen with a consumer (or known to have one: `submit`): checked once per client, not before
    /// every call (a passive declare of a quorum queue is a round trip to its leader, a good part of a
    /// short `rnx run`).
    private let consumedQueues = Mutex<Set<String>>([])

    private init(settings: ClientSettings, connection: AMQPConnection, channel: AMQPChannel, rpc: RPCClient) {
        self.settings = settings
        self.connection = connection
        self.channel = channel
        self.rpc = rpc
    }

    /// Connects within the configured connect timeout; errors say where and what to do.
    public static func connect(_ settings: ClientSettings) async throws -> ClusterClient {
        var configuration = AMQPConfiguration(urls: settings.urls, connectionName: settings.connectionName)
        configuration.reconnect = .disabled
        configuration.heartbeat = 30
        configuration.tls = settings.tls
        configuration.login = settings.login
        let where_ = settings.urls.map(ClientSettings.hostPort(of:)).joined(separator: ", ")
        let connection: AMQPConnection
        do {
            let fixed = configuration
            connection = try await withDeadline(settings.connectTimeout) {
                try await AMQPConnection.connect(fixed)
            }
        } catch let error as AMQPError {
            throw brokerError(error, where: where_)
        } catch is DeadlineExceeded {
            throw JobletClientError(
                .broker,
                "cannot reach broker at \(where_): no answer within \(DurationText.of(settings.connectTimeout)); is it running? set --broker or JOBLET_BROKER (or a longer --connect-timeout)"
            )
        }
        do {
            // Not waited for: its first use (`requireDispatcher`'s passive check) waits and reports a failed open.
            let channel = try await connection.openChannel(noWait: true)
            // Direct reply-to cannot refuse a no-ack consumer: not waited for either.
            let rpc = try await RPCClient(connection: connection, noWait: true)
            return ClusterClient(settings: settings, connection: connection, channel: channel, rpc: rpc)
        } catch let error as AMQPError {
            await connection.close()
            throw brokerError(error, where: where_)
        }
    }

    static func brokerError(_ error: AMQPError, where location: String) -> JobletClientError {
        switch error.code {
        case .connectionRefused:
            return JobletClientError(.broker, "cannot reach broker at \(location) (connection refused): is it running? set --broker or JOBLET_BROKER")
        case .timeout, .connectionLost:
            return JobletClientError(.broker, "cannot reach broker at \(location): is it running? set --broker or JOBLET_BROKER", cause: error.message)
        case .authenticationFailed:
            return JobletClientError(.broker, "\(error.message): check the user and password in --broker, JOBLET_BROKER or the credentials_file of rnx.yml")
        case .vhostNotFound:
            return JobletClientError(.broker, "\(error.message): check the vhost at the end of the broker URL")
        case .tls:
            return JobletClientError(.broker, tlsMessage(error.message), cause: error.cause)
        default:
            return JobletClientError(.broker, "broker at \(location): \(error.message)")
        }
    }

    /// The AMQP library's TLS message in rnx's terms: the flags (or rnx.yml keys) that set each option.
    static func tlsMessage(_ message: String) -> String {
        var text = message
        for (library, rnx) in [
            ("TLSOptions.caCertificatePath", "--tls-ca"),
            ("TLSOptions.certificatePath / keyPath", "--tls-cert / --tls-key"),
            ("set TLSOptions.verifyHostname to false", "set verify_hostname: false under tls: in rnx.yml"),
        ] {
            text = text.replacing(library, with: rnx)
        }
        if text.hasSuffix("give the CA that signed the broker's certificate") {
            text += " with --tls-ca FILE (or tls.ca in rnx.yml)"
        }
        return text
    }

    /// How long a missing consumer may be a dispatcher in the middle of reconnecting (after a broker
    /// node was lost it re-subscribes within seconds) before the client says no dispatcher is running.
    static let dispatcherGrace = Duration.seconds(10)

    /// Fails soon when nothing consumes `queue` (no dispatcher), instead of waiting for a full timeout.
    /// Checks passively (no permission needed). A missing queue closes the client's channel, which
    /// is fine: the caller stops with the error.
    func requireDispatcher(queue: String) async throws {
        if consumedQueues.withLock({ $0.contains(queue) }) { return }
        try await waitForConsumer(queue: queue)
        consumedQueues.withLock { _ = $0.insert(queue) }
    }

    private func waitForConsumer(queue: String) async throws {
        let deadline = ContinuousClock.now + min(Self.dispatcherGrace, settings.rpcTimeout)
        while true {
            let declared: QueueDeclareResult
            do {
                declared = try await channel.inspectQueue(queue)
            } catch let error as AMQPError where error.replyCode == 404 {
                throw JobletClientError(
                    .dispatcher,
                    "no dispatcher has run on this vhost: \(queue) does not exist on the broker at \(ClientSettings.hostPort(of: settings.urls[0])); start joblet-dispatcher"
                )
            } catch let error as AMQPError {
                throw JobletClientError(.dispatcher, "cannot check \(queue): \(error.message)")
            }
            if declared.consumerCount > 0 { return }
            if ContinuousClock.now >= deadline {
                throw JobletClientError(
                    .dispatcher,
                    "no dispatcher is running: nothing consumes \(queue) on the broker at \(ClientSettings.hostPort(of: settings.urls[0])); start joblet-dispatcher"
                )
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Publishes a job request and returns the dispatcher's acceptance; a rejection is thrown as `.remote`.
    public func submit(_ request: JobRequest) async throws -> Submission {
        try await requireDispatcher(queue: Topology.submitQueue)
        return try await submit(request, on: nil)
    }

    /// The submission as a request on `requests`' channel (nil: the client's own). On another channel,
    /// the AMQP error of its closing by the broker is thrown as it is, for the channel's owner to explain.
    func submit(_ request: JobRequest, on requests: RPCClient?) async throws -> Submission {
        var properties = Envelope.properties(type: MessageType.jobRequest, messageID: MessageID.random())
        properties.userID = settings.user
        let body = try JSONCodec.encode(request)
        let delivery = try await call(routingKey: Topology.submitRoutingKey, body: body, properties: properties, on: requests)
        // The dispatcher consumes queries before submissions: one that answered a submission answers
        // queries too, so the status at the job's end needs no check (a round trip) first.
        consumedQueues.withLock { _ = $0.insert(Topology.rpcQueue) }
        let reply: SubmitReply
        do {
            reply = try JSONCodec.decode(SubmitReply.self, from: delivery.body, rejectUnknownKeys: false)
        } catch {
            throw JobletClientError(.dispatcher, "the dispatcher sent an unreadable reply", cause: "\(error)")
        }
        if reply.status == .rejected {
            throw JobletClientError(
                .remote, reply.error?.message ?? "the dispatcher rejected the job",
                cause: nil)
        }
        guard let jobID = reply.jobID else {
            throw JobletClientError(.dispatcher, "the dispatcher accepted the job without an id")
        }
        return Submission(jobID: jobID, reply: reply)
    }

    /// One query; an error answer is thrown as `.remote` with the dispatcher's message.
    public func query(_ request: RPCRequest) async throws -> RPCResponse {
        try await requireDispatcher(queue: Topology.rpcQueue)
        var properties = Envelope.properties(type: MessageType.rpcRequest, persistent: false)
        properties.userID = settings.user
        let delivery = try await call(
            routingKey: Topology.rpcRoutingKey, body: try JSONCodec.encode(request),
            properties: properties)
        let response: RPCResponse
        do {
            response = try JSONCodec.decode(RPCResponse.self, from: delivery.body, rejectUnknownKeys: false)
        } catch {
            throw JobletClientError(.dispatcher, "the dispatcher sent an unreadable answer", cause: "\(error)")
        }
        guard response.ok else {
            throw JobletClientError(.remote, response.error?.message ?? "the dispatcher could not answer \(request.method.rawValue)")
        }
        return response
    }

    private func call(routingKey: String, body: [UInt8], properties: BasicProperties, on requests: RPCClient? = nil) async throws -> Delivery {
        do {
            return try await (requests ?? rpc).call(
                exchange: Topology.apiExchange, routingKey: routingKey, body: body, properties: properties,
                timeout: settings.rpcTimeout)
        } catch let error as AMQPError where error.code == .channelClosed && requests != nil {
            throw error
        } catch let error as AMQPError where error.code == .timeout {
            throw JobletClientError(
                .dispatcher,
                "no answer from the dispatcher on \(routingKey) within \(DurationText.of(settings.rpcTimeout)); is joblet-dispatcher running and healthy? (--rpc-timeout sets the wait)"
            )
        } catch let error as AMQPError {
            throw JobletClientError(.broker, "\(routingKey): \(error.message)")
        }
    }

    /// Closes the connection, and with it every follower's private queue.
    public func close() async {
        await connection.close()
    }
}
