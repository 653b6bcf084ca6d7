import Foundation

/// A RabbitMQ node of its own, for tests that stop and restart the broker (reconnect tests).
/// It keeps its AMQP port and its data across `stop()`/`start()`.
public final class PrivateBroker: Sendable {
    public let name: String
    public let port: Int
    /// `amqp://guest:guest@127.0.0.1:PORT/`
    public let url: String

    init(name: String, port: Int, url: String) {
        self.name = name
        self.port = port
        self.url = url
    }

    /// Stops the node, keeping its data (durable queues and persistent messages survive).
    public func stop() async throws {
        _ = try await BrokerScript.run(["stop", "--name", name, "--keep"])
    }

    /// Starts the node again on the same port.
    public func start() async throws {
        _ = try await BrokerScript.run(["start", "--name", name, "--port", String(port)])
    }

    /// Runs rabbitmqctl against the node, e.g. `["set_vm_memory_high_watermark", "0"]`; returns its output.
    @discardableResult
    public func ctl(_ arguments: [String]) async throws -> String {
        try await BrokerScript.run(["ctl", "--name", name, "--"] + arguments)
    }

    /// Stops the node and removes its data directory.
    public func destroy() async throws {
        _ = try await BrokerScript.run(["stop", "--name", name])
        ExitCleanup.forget(name)
    }
}
