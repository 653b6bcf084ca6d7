import Foundation
import JobletCore
import TestSupport
import Testing

/// `rnx runtime deploy` across the fleet's two worker hosts: node-18 (built from Debian packages)
/// goes from rnx through a broker stream to both, and runs there. JOBLET_TEST_FLEET=1, like FleetTests.
extension FleetSuite {
    @Suite(
        .serialized,
        .integration(needs: [.root, .brokerNodes]),
        .enabled(if: ProcessInfo.processInfo.environment["JOBLET_TEST_FLEET"] == "1", "set JOBLET_TEST_FLEET=1"))
    struct FleetDeployTests {
        static let cache = "/var/cache/joblet/test-runtimes"

        /// node-18 packed by rnx, or nil (test cancelled) when the recipe cannot run here (exit 3).
        func node18Package(in directory: String) async throws -> String {
            let build = try await Subprocess.run("/bin/bash", [Fleet.repoRoot + "/runtimes/node-18/build.sh", Self.cache])
            if build.status == 3 { try Test.cancel("node-18 cannot be built here: \(build.stderr)") }
            try #require(build.status == 0, "\(build)")
            let package = directory + "/node-18.tar.gz"
            let pack = try await Subprocess.run(
                Fleet.repoRoot + "/.build/debug/rnx",
                ["runtime", "pack", Self.cache + "/node-18", "-o", package])
            try #require(pack.status == 0, "\(pack)")
            return package
        }

        @Test func node18DeployedFromRnxRunsOnBothWorkers() async throws {
            let directory = NSTemporaryDirectory() + "joblet-fleet-deploy-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let package = try await node18Package(in: directory)
            let fleet = try await Fleet.shared()

            // Only admins may deploy: the broker refuses a submitter the deploy stream.
            let refused = try await fleet.rnx(["runtime", "deploy", package])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("only admins may deploy"), "\(refused)")

            // A digest that does not match is caught before anything is sent.
            let wrong = try await fleet.rnx(
                ["runtime", "deploy", package, "--sha256", String(repeating: "0", count: 64)],
                as: fleet.admin)
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("nothing was sent"), "\(wrong)")

            let deployed = try await fleet.rnx(["runtime", "deploy", package, "--workers", "all"], as: fleet.admin)
            #expect(deployed.status == 0, "\(deployed)\n\(fleet.logs())")
            for worker in [fleet.workerA, fleet.workerB] {
                let line = deployed.stdout.split(separator: "\n").first { $0.hasPrefix(worker) }
                #expect(line?.contains("INSTALLED") == true, "\(deployed.stdout)")
            }

            // Each worker runs node-18's smoke test in a real sandbox; and a job gets node 18.
            let tested = try await fleet.rnx(["runtime", "test", "--json", "--timeout", "90s", "node-18"])
            #expect(tested.status == 0, "\(tested)")
            let reports = try fleet.decode([RuntimeTestReport].self, tested)
            #expect(
                Set(reports.filter { $0.passed && $0.output.hasPrefix("v18.") }.map(\.workerID)) == [fleet.workerA, fleet.workerB],
                "\(reports)")
            let run = try await fleet.rnx(["run", "--runtime=node:18", "--", "node", "-v"])
            #expect(run.status == 0 && run.stdout.hasPrefix("v18."), "\(run)")

            // Removal from one worker: the other keeps serving it.
            let removed = try await fleet.rnx(
                ["runtime", "remove", "node-18", "--workers", fleet.workerB, "--json"],
                as: fleet.admin)
            #expect(removed.status == 0, "\(removed)")
            var workers: [WorkerAdvert] = []
            for _ in 0..<40 {
                workers = try fleet.decode([WorkerAdvert].self, try await fleet.rnx(["workers", "--json"]))
                if workers.first(where: { $0.workerID == fleet.workerB })?.runtimes.contains(where: { $0.id == "node-18" }) == false { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(workers.first { $0.workerID == fleet.workerA }?.runtimes.contains { $0.id == "node-18" } == true)
            #expect(workers.first { $0.workerID == fleet.workerB }?.runtimes.contains { $0.id == "node-18" } == false)
            let again = try await fleet.rnx(["run", "--runtime=node:18", "--", "node", "-v"])
            #expect(again.status == 0 && again.stdout.hasPrefix("v18."), "\(again)")

            // The fleet as the other suites expect it: node-18 off worker A too.
            let cleanup = try await fleet.rnx(["runtime", "remove", "node-18", "--workers", fleet.workerA], as: fleet.admin)
            #expect(cleanup.status == 0, "\(cleanup)")
            for _ in 0..<40 {
                workers = try fleet.decode([WorkerAdvert].self, try await fleet.rnx(["workers", "--json"]))
                if workers.allSatisfy({ !$0.runtimes.contains { $0.id == "node-18" } }) { break }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}  // extension FleetSuite
