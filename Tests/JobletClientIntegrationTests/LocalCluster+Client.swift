import JobletClient
import JobletCore
import TestSupport

/// The shared cluster as a Swift service sees it: through JobletClient, no rnx binary.
extension LocalCluster {
    /// The cluster shared by every test in this process; ready once the library runs a job on it.
    static func shared() async throws -> LocalCluster {
        try await shared(ready: { await $0.readyForClient() })
    }

    /// How `user` (default alice) connects: the URL without credentials plus their credentials file.
    func clientSettings(as user: BrokerRoles.User? = nil) throws -> ClientSettings {
        try ClientSettings(urls: [url], credentialsFile: (user ?? alice).credentialsFile)
    }

    /// Connects as alice, runs `body`, and closes the connection whatever happens.
    func withClient<T>(_ body: (ClusterClient) async throws -> T) async throws -> T {
        let client = try await ClusterClient.connect(clientSettings())
        return try await withCleanup({ await client.close() }, do: { try await body(client) })
    }

    /// nil once the dispatcher knows both workers (the main one with its runtime) and a job runs end
    /// to end; else what was missing.
    private func readyForClient() async -> String? {
        do {
            return try await withClient { client -> String? in
                let workers = try await client.query(RPCRequest(method: .workers)).workers ?? []
                guard workers.contains(where: { $0.workerID == workerID && $0.runtimes.contains { $0.id == LocalCluster.runtimeID } }),
                    workers.contains(where: { $0.workerID == spareWorkerID })
                else {
                    return "workers: \(workers.map(\.workerID))"
                }
                // The dispatcher may answer queries a moment before it consumes submissions: probe with a job.
                let (_, events) = try await client.submitAndFollow(JobRequest(command: ["true"]))
                for try await case .ended(let outcome) in events {
                    return outcome.state == .completed ? nil : "a probe job ended \(outcome.state)"
                }
                return "a probe job never ended"
            }
        } catch {
            return "client: \(error)"
        }
    }
}
