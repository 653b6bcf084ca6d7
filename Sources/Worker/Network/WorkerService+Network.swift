import Isolation
import JobletCore

extension WorkerService {
    /// With `network.enabled`: sweeps what a crashed predecessor left (veths, bridges, the nftables
    /// table), then makes the shared bridge and the policy. A host that cannot refuses to start:
    /// advertising `bridge` and failing every bridged job would be worse.
    func prepareNetworks() throws {
        guard let networks else { return }
        do {
            let removed = try networks.start()
            if removed > 0 { logger.info("removed job network leftovers of a crashed predecessor", metadata: ["count": "\(removed)"]) }
            logger.info(
                "job networks ready",
                metadata: [
                    "pool": "\(networks.policy.pool)", "dns": "\(networks.policy.dns.map(\.description).joined(separator: ","))",
                    "brokers": "\(networks.policy.brokers.map(\.description).joined(separator: ","))", "tag": "\(networks.tag)",
                ])
            if networks.policy.dns.isEmpty {
                logger.warning("no DNS server for bridged jobs (the host's are on loopback or absent): set network.dns in worker.yml")
            }
        } catch {
            throw WorkerError(.system, "job networks unavailable: \(error.message); fix the host or set network.enabled: false")
        }
    }

    static func makeNetworks(_ config: WorkerConfig) -> HostNetwork? {
        guard config.network.enabled else { return nil }
        return HostNetwork(
            workerID: config.workerID, directory: config.stateDirectory + "/network",
            policy: config.network.policy(brokerURLs: config.brokerURLs))
    }
}
