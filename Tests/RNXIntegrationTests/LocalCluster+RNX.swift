import Foundation
import JobletCore
import TestSupport

/// The shared cluster as the CLI tests use it: through the `rnx` binary, as a user would.
extension LocalCluster {
    /// The cluster shared by every test in this process; ready once `rnx` runs a job on it.
    static func shared() async throws -> LocalCluster {
        guard FileManager.default.isExecutableFile(atPath: rnxPath) else {
            throw ClusterError("\(rnxPath) is missing: run swift build first")
        }
        return try await shared(ready: { try await $0.readyForRNX() })
    }

    static var rnxPath: String { binaryDirectory + "/rnx" }

    /// nil once the dispatcher answers, knows both workers (the main one with its runtime), and
    /// `rnx run` runs a job end to end; else the last rnx answer.
    private func readyForRNX() async throws -> String? {
        var last = try await rnx(["workers", "--json"])
        if last.status == 0,
            let workers = try? JSONCodec.decode(
                [WorkerAdvert].self, from: Array(last.stdout.utf8),
                rejectUnknownKeys: false),
            workers.contains(where: { $0.workerID == workerID && $0.runtimes.contains { $0.id == LocalCluster.runtimeID } }),
            workers.contains(where: { $0.workerID == spareWorkerID })
        {
            // The dispatcher may answer queries a moment before it consumes submissions: probe with a job.
            last = try await rnx(["run", "--", "true"])
            if last.status == 0 { return nil }
            return "rnx run: \(last)"
        }
        return "rnx workers: \(last)"
    }

    /// The environment of an rnx run as `user` (default alice): the URL without credentials, the
    /// user and password in JOBLET_BROKER_USER / JOBLET_BROKER_PASSWORD, no rnx.yml.
    func environment(as user: BrokerRoles.User? = nil) -> [String: String] {
        let user = user ?? alice
        return [
            "JOBLET_BROKER": url, "JOBLET_BROKER_USER": user.name, "JOBLET_BROKER_PASSWORD": user.password,
            "JOBLET_RNX_CONFIG": root + "/no-such-rnx.yml",
        ]
    }

    /// Runs the CLI against this cluster, as a user would (alice unless `user` says otherwise).
    func rnx(
        _ arguments: [String], as user: BrokerRoles.User? = nil, environment: [String: String] = [:],
        stdin: String? = nil
    ) async throws -> CommandResult {
        let env = self.environment(as: user).merging(environment) { _, given in given }
        return try await Subprocess.run(LocalCluster.rnxPath, arguments, environment: env, stdin: stdin)
    }

    /// Runs the CLI (as alice) through a pseudo-terminal (`tty`) or pipes, performing `steps` on the way.
    func interactive(_ arguments: [String], tty: Bool, steps: [InteractiveSession.Step]) async throws -> InteractiveSession.Result {
        try await InteractiveSession.run([LocalCluster.rnxPath] + arguments, tty: tty, steps: steps, environment: environment())
    }
}
