import Foundation
import JobletCore
import TestSupport
import Testing

/// The fleet converges on deployed runtimes (issue 14 item 3): worker B is down while a runtime is
/// deployed and while it is removed, and catches up when it comes back. The runtime is a shell
/// script of a few hundred bytes, so the test spends its time on the convergence, not the package.
/// In FleetDeployTests, under FleetSuite: it takes worker B down, which no other fleet test may see.
extension FleetSuite.FleetDeployTests {
    static let convergeRuntime = "fleetconv-1.0"

    /// A runtime package with one script, packed by rnx.
    func tinyPackage(in directory: String) async throws -> String {
        let tree = directory + "/" + Self.convergeRuntime
        try RuntimeScratch.scriptRuntime(
            at: tree, name: Self.convergeRuntime, language: "fleetconv", description: "convergence test runtime: a shell script",
            script: ("fleet-conv", "#!/bin/sh\necho converged \"$@\"\n"), extra: "test: \"fleet-conv smoke\"")
        let package = directory + "/\(Self.convergeRuntime).tar.gz"
        let pack = try await Subprocess.run(Fleet.repoRoot + "/.build/debug/rnx", ["runtime", "pack", tree, "-o", package])
        try #require(pack.status == 0, "\(pack)")
        return package
    }

    /// Polls `rnx runtime status` until `done` holds for the rows of the test runtime (at most ~90 s:
    /// the dispatcher sweeps every few seconds); returns the last rows.
    func rollout(_ fleet: Fleet, until done: ([String: RuntimeRollout]) -> Bool) async throws -> [String: RuntimeRollout] {
        var rows: [String: RuntimeRollout] = [:]
        for _ in 0..<180 {
            let status = try await fleet.rnx(["runtime", "status", "--json"])
            try #require(status.status == 0, "\(status)")
            rows = Dictionary(
                try fleet.decode([RuntimeRollout].self, status).filter { $0.runtime == Self.convergeRuntime }
                    .map { ($0.workerID, $0) }, uniquingKeysWith: { $1 })
            if done(rows) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        return rows
    }

    /// Waits until the dispatcher no longer counts worker B as live (its offline advert arrived).
    func waitUntilBIsOffline(_ fleet: Fleet) async throws {
        for _ in 0..<60 {
            let workers = try fleet.decode([WorkerAdvert].self, try await fleet.rnx(["workers", "--json"]))
            if workers.first(where: { $0.workerID == fleet.workerB }).map({ $0.status == .offline }) ?? true { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("worker B still advertised as online after it stopped\n\(fleet.logs())")
    }

    @Test func aWorkerThatWasDownGetsWhatWasDeployedAndLosesWhatWasRemoved() async throws {
        let directory = NSTemporaryDirectory() + "joblet-fleet-converge-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let package = try await tinyPackage(in: directory)
        let fleet = try await Fleet.shared()

        // Deployed to all while B is down: only A is addressed and installs it.
        try await fleet.worker("stop", "b")
        try await waitUntilBIsOffline(fleet)
        let deployed = try await fleet.rnx(["runtime", "deploy", package, "--workers", "all"], as: fleet.admin)
        try await fleet.worker("start", "b")
        #expect(deployed.status == 0, "\(deployed)\n\(fleet.logs())")
        #expect(!deployed.stdout.contains(fleet.workerB), "B was down: \(deployed.stdout)")

        // B comes back and the dispatcher sends it the package from the kept stream.
        let installed = try await rollout(fleet) { rows in
            [fleet.workerA, fleet.workerB].allSatisfy { rows[$0]?.state == .installed }
        }
        #expect(installed[fleet.workerA]?.state == .installed, "\(installed)\n\(fleet.logs())")
        #expect(installed[fleet.workerB]?.state == .installed, "\(installed)\n\(fleet.logs())")
        let list = try await fleet.rnx(["runtime", "list", "--json"])
        let offered = try fleet.decode([FleetRuntime].self, list).first { $0.runtime.id == Self.convergeRuntime }
        #expect(Set(offered?.workers ?? []) == [fleet.workerA, fleet.workerB], "\(list)")
        let run = try await fleet.rnx(["run", "--runtime=\(Self.convergeRuntime)", "--", "fleet-conv", "here"])
        #expect(run.status == 0 && run.stdout.contains("converged here"), "\(run)")

        // Removed from all while B is down: B loses it when it returns.
        try await fleet.worker("stop", "b")
        try await waitUntilBIsOffline(fleet)
        let removed = try await fleet.rnx(["runtime", "remove", Self.convergeRuntime, "--workers", "all"], as: fleet.admin)
        try await fleet.worker("start", "b")
        #expect(removed.status == 0, "\(removed)")
        let gone = try await rollout(fleet) { rows in
            [fleet.workerA, fleet.workerB].allSatisfy { rows[$0]?.state == .removed }
        }
        #expect(gone[fleet.workerB]?.state == .removed, "\(gone)\n\(fleet.logs())")
        let workers = try fleet.decode([WorkerAdvert].self, try await fleet.rnx(["workers", "--json"]))
        #expect(workers.allSatisfy { !$0.runtimes.contains { $0.id == Self.convergeRuntime } }, "\(workers)")
    }
}
