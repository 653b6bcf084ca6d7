import AMQP
import Foundation
import TestSupport
import Testing

/// Starts three nodes (~30-45 s on a loaded 2-core VM): run with JOBLET_TEST_CLUSTER=1.
@Test(
    "on a 3-node cluster the connection fails over when its node stops; no confirmed message is lost",
    .integration(needs: [.brokerNodes]),
    .enabled(if: ProcessInfo.processInfo.environment["JOBLET_TEST_CLUSTER"] == "1", "set JOBLET_TEST_CLUSTER=1"),
    .timeLimit(.minutes(8)))  // a hang guard: one CI run under load took over 4 minutes
func clusterFailover() async throws {
    let cluster = try await TestBroker.startCluster(name: "failover")
    let status = try await cluster.clusterStatus(from: 1)
    for node in cluster.nodes {
        #expect(status.contains("joblet-\(node.name)@localhost"), "cluster_status lists every node")
    }
    let logs = LogCapture()
    var config = RestartBench.configuration(urls: cluster.urls, name: "failover-test", confirmTimeout: .seconds(60))
    config.logger = logs.logger()
    let bench = try await RestartBench.open(config, queue: "jobs.failover")
    let conn = bench.connection, consumerChannel = bench.consumerChannel
    var deliveries = bench.consumer.makeAsyncIterator()
    var events = conn.events.makeAsyncIterator()

    // Confirmed before the failover; 20 consumed and acked, the rest wait in the queue.
    try await bench.publish(0..<100)
    var acked = Set<String>()
    while acked.count < 20 {
        let d = try #require(try await deliveries.next())
        try await consumerChannel.ack(d)
        acked.insert(d.properties.messageID ?? "")
    }

    let endpoint = try #require(conn.endpoint)
    let port = try #require(endpoint.split(separator: ":").last.flatMap { Int($0) })
    let victim = try #require(cluster.node(port: port), "the connection is on one of the cluster's nodes")
    try await victim.stop()
    guard case .disconnected = try #require(await events.next()) else {
        Issue.record("expected a .disconnected event"); return
    }
    guard case .reconnected = try #require(await events.next()) else {
        Issue.record("expected a .reconnected event"); return
    }
    let newEndpoint = try #require(conn.endpoint)
    #expect(newEndpoint != endpoint, "failed over to another node")

    // Publishing continues on the surviving majority.
    try await bench.publish(100..<150)

    // The same consumer sequence resumes; every confirmed message not acked before arrives.
    let expected = Set((0..<150).map(String.init)).subtracting(acked)
    var after = Set<String>()
    while !expected.isSubset(of: after) {
        let d = try #require(try await deliveries.next())
        if d.generation == conn.generation {
            try await consumerChannel.ack(d)
        }
        after.insert(d.properties.messageID ?? "")
    }
    #expect(expected.isSubset(of: after))

    // Disconnect and reconnect were logged, naming nodes by host:port and never the password.
    let lines = logs.all
    #expect(lines.contains { $0.contains("connection lost") && $0.contains(endpoint) })
    #expect(lines.contains { $0.contains("reconnected") && $0.contains(newEndpoint) })
    #expect(!lines.contains { $0.contains("guest@") || $0.contains(":guest") })

    await conn.close()
    try await cluster.destroy()
}
