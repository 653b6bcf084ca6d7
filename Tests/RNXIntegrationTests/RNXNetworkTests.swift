import Foundation
import JobletCore
import Testing
import TestSupport

/// Named networks through rnx on a real cluster: each submitter's own, invisible to others; a job
/// asking for a network no worker offers is refused at submit saying so (the local cluster's workers
/// run in the machine's own namespace, so they never enable networks: WorkerNetworkTests runs them).
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXNetworkTests {
    func networks(_ cluster: LocalCluster, as user: BrokerRoles.User? = nil) async throws -> [NetworkInfo] {
        let listed = try await cluster.rnx(["network", "list", "--json"], as: user)
        #expect(listed.status == 0, "\(listed)")
        return try JSONCodec.decode([NetworkInfo].self, from: Array(listed.stdout.utf8), rejectUnknownKeys: false)
    }

    @Test func networksAreTheirCreatorsAndJobsNeedAWorkerOfferingThem() async throws {
        let cluster = try await LocalCluster.shared()
        let name = "team-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await cluster.rnx(["network", "create", name])
        #expect(created.status == 0 && created.stdout.contains("created network \(cluster.alice.name)/\(name)"), "\(created)")
        let again = try await cluster.rnx(["network", "create", name])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "\(again)")
        #expect(try await networks(cluster).contains { $0.name == name && $0.owner == cluster.alice.name })
        #expect(try await networks(cluster, as: cluster.bob).allSatisfy { $0.owner != cluster.alice.name })
        let bobRemoves = try await cluster.rnx(["network", "remove", "\(cluster.alice.name)/\(name)"], as: cluster.bob)
        #expect(bobRemoves.status != 0 && bobRemoves.stderr.contains("no network \(name) of \(cluster.alice.name)"), "\(bobRemoves)")

        // Nobody offers networks here: refused at once, naming what is offered.
        for network in ["bridge", name] {
            let run = try await cluster.rnx(["run", "--network", network, "--", "true"])
            #expect(run.status != 0 && run.stderr.contains("offers") && run.stderr.contains("they offer: none"), "\(run)")
        }
        let bad = try await cluster.rnx(["run", "--network", "Bad_Name", "--", "true"])
        #expect(bad.status != 0 && bad.stderr.contains("--network \"Bad_Name\" is not a network"), "\(bad)")
        let none = try await cluster.rnx(["run", "--network", "none", "--", "true"])
        #expect(none.status == 0, "\(none)")

        // The fleet says what it offers: here, loopback only.
        let workers = try await cluster.rnx(["workers"])
        #expect(workers.status == 0 && workers.stdout.contains("NETWORKS"), "\(workers)")
        #expect(workers.stdout.split(separator: "\n").contains { $0.contains(cluster.workerID) && $0.contains(" none ") }, "\(workers)")

        let removed = try await cluster.rnx(["network", "remove", name])
        #expect(removed.status == 0, "\(removed)")
        #expect(try await networks(cluster).allSatisfy { $0.name != name })
    }
}
