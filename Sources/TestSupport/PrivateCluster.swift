import Foundation

/// Three RabbitMQ nodes of a test's own, joined into one cluster (`scripts/broker cluster`),
/// for failover tests. Stopped at process exit unless destroyed before.
public final class PrivateCluster: Sendable {
    public let name: String
    /// The nodes, in the order `scripts/broker cluster` started them (node 1 is the seed).
    public let nodes: [PrivateBroker]
    /// `amqp://guest:guest@127.0.0.1:PORT/` of each node, in node order.
    public var urls: [String] { nodes.map(\.url) }

    init(name: String, nodes: [PrivateBroker]) {
        self.name = name
        self.nodes = nodes
    }

    /// The node whose AMQP port is `port`, e.g. the one a connection's `endpoint` names.
    public func node(port: Int) -> PrivateBroker? {
        nodes.first { $0.port == port }
    }

    /// `rabbitmqctl cluster_status` as seen from node `index` (0-based).
    public func clusterStatus(from index: Int = 0) async throws -> String {
        try await BrokerScript.run(["cluster-status", "--name", nodes[index].name])
    }

    /// Stops all three nodes and removes their data.
    public func destroy() async throws {
        _ = try await BrokerScript.run(["cluster-stop", "--name", name])
        for n in nodes { ExitCleanup.forget(n.name) }
    }
}

extension TestBroker {
    /// Starts a 3-node cluster of the test's own (each node takes 5-15 s to boot on a loaded VM).
    public static func startCluster(name: String) async throws -> PrivateCluster {
        let full = "\(name)-\(getpid())"
        for i in 1...3 { ExitCleanup.register("\(full)-\(i)") }
        let out = try await BrokerScript.run(["cluster", "--name", full])
        var nodes: [PrivateBroker] = []
        for i in 1...3 {
            guard let url = BrokerScript.value("AMQP_URL_\(i)", in: out),
                let portText = url.split(separator: ":").last?.split(separator: "/").first,
                let port = Int(portText)
            else {
                throw BrokerScript.Failure(description: "scripts/broker cluster printed no AMQP_URL_\(i): \(out)")
            }
            nodes.append(PrivateBroker(name: "\(full)-\(i)", port: port, url: url))
        }
        return PrivateCluster(name: full, nodes: nodes)
    }
}
