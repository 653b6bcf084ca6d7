import AMQP

/// What the broker-restart and cluster-failover tests share: a connection that reconnects
/// quickly, a confirmed publisher on a quorum queue and a consumer of it (prefetch 10).
struct RestartBench {
    let connection: AMQPConnection
    let publisher: AMQPChannel
    let consumerChannel: AMQPChannel
    let consumer: AMQPConsumer
    let queue: String

    /// Heartbeats every 5 s and reconnects within a second, so a lost node is noticed and left fast.
    static func configuration(urls: [String], name: String, confirmTimeout: Duration) -> AMQPConfiguration {
        var config = AMQPConfiguration(urls: urls, connectionName: name)
        config.heartbeat = 5
        config.publishConfirmTimeout = confirmTimeout
        config.reconnect = ReconnectPolicy(initialDelay: .milliseconds(200), maxDelay: .seconds(1))
        return config
    }

    /// Connects and declares `queue` as a quorum queue: replicated, it survives a node's loss.
    static func open(_ config: AMQPConfiguration, queue: String) async throws -> RestartBench {
        let connection = try await AMQPConnection.connect(config)
        let publisher = try await connection.openChannel()
        try await publisher.declareQueue(queue, durable: true, arguments: ["x-queue-type": .string("quorum")])
        try await publisher.enableConfirms()
        let consumerChannel = try await connection.openChannel()
        try await consumerChannel.qos(prefetchCount: 10)
        let consumer = try await consumerChannel.consume(queue: queue)
        return RestartBench(
            connection: connection, publisher: publisher, consumerChannel: consumerChannel,
            consumer: consumer, queue: queue)
    }

    /// Publishes messages `ids` at once, persistent, each with its number as message id; returns
    /// once the broker confirmed them all.
    func publish(_ ids: Range<Int>) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in ids {
                group.addTask { [publisher, queue] in
                    try await publisher.publish(
                        Array("job \(i)".utf8), exchange: "", routingKey: queue,
                        properties: BasicProperties(deliveryMode: .persistent, messageID: "\(i)"))
                }
            }
            try await group.waitForAll()
        }
    }
}
