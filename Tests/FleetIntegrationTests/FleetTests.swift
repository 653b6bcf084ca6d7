import Foundation
import JobletCore
import TestSupport
import Testing

/// The fleet story end to end, with real processes only: two worker hosts in their own network and
/// UTS namespaces, reaching a 3-node RabbitMQ cluster over veth; the dispatcher and rnx on the
/// broker host. Slow (a cluster boots in ~40 s), so it runs only with JOBLET_TEST_FLEET=1 (scripts/test).
extension FleetSuite {
    @Suite(
        .serialized,
        .integration(needs: [.root, .brokerNodes]),
        .enabled(if: ProcessInfo.processInfo.environment["JOBLET_TEST_FLEET"] == "1", "set JOBLET_TEST_FLEET=1"))
    struct FleetTests {
        /// Polls `rnx status` until the job is terminal.
        func finished(_ fleet: Fleet, _ jobID: String) async throws -> JobRecord {
            var record = try fleet.decode(JobRecord.self, try await fleet.rnx(["status", "--json", jobID]))
            for _ in 0..<240 where !record.state.isTerminal {
                try await Task.sleep(for: .milliseconds(250))
                record = try fleet.decode(JobRecord.self, try await fleet.rnx(["status", "--json", jobID]))
            }
            return record
        }

        func submit(_ fleet: Fleet, _ arguments: [String]) async throws -> String {
            let result = try await fleet.rnx(["submit"] + arguments)
            #expect(result.status == 0, "\(result)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test func jobsRunOnlyOnTheWorkerThatHasTheirRuntime() async throws {
            let fleet = try await Fleet.shared()

            // Both hosts are listed with their own host names and exactly their runtimes.
            let workers = try fleet.decode([WorkerAdvert].self, try await fleet.rnx(["workers", "--json"]))
            let a = try #require(workers.first { $0.workerID == fleet.workerA }, "\(workers)")
            let b = try #require(workers.first { $0.workerID == fleet.workerB }, "\(workers)")
            #expect(a.hostname == "fleet-a")
            #expect(b.hostname == "fleet-b")
            #expect(Set(a.runtimes.map(\.id)) == ["fleeta-1.0", "both-1.0"])
            #expect(Set(b.runtimes.map(\.id)).isSuperset(of: ["fleetb-1.0", "both-1.0"]))
            #expect(!b.runtimes.contains { $0.id == "fleeta-1.0" })
            let table = try await fleet.rnx(["workers"])
            #expect(table.status == 0 && table.stdout.contains(fleet.workerA) && table.stdout.contains(fleet.workerB), "\(table)")

            // Each process is logged in as its role's user: no guest anywhere.
            let connections = try await fleet.connections()
            #expect(connections["joblet-dispatcher"]?.user == "joblet-dispatcher", "\(connections)")
            for worker in [fleet.workerA, fleet.workerB] {
                #expect(connections["joblet-worker \(worker)"]?.user == worker, "\(connections)")
            }
            #expect(!connections.values.contains { $0.user == "guest" }, "\(connections)")

            // Several jobs per runtime, all in flight at once: each runs where its runtime is.
            var expected: [(id: String, worker: String?, runtime: String)] = []
            for round in 0..<3 {
                for (spec, worker, language) in [
                    ("fleeta:1", fleet.workerA, "fleeta"), ("fleetb:1", fleet.workerB, "fleetb"),
                    ("both:1", nil, "both"),
                ] {
                    let id = try await submit(fleet, ["--runtime=\(spec)", "--", "fleet-hello", "round-\(round)"])
                    expected.append((id, worker, language))
                }
            }
            var usedForBoth: Set<String> = []
            for job in expected {
                let record = try await finished(fleet, job.id)
                #expect(record.state == .completed, "\(record)\n\(fleet.logs())")
                #expect(record.runtimeID == "\(job.runtime)-1.0")
                if let worker = job.worker {
                    #expect(record.workerID == worker, "\(job.runtime) ran on \(record.workerID ?? "-")")
                } else {
                    #expect([fleet.workerA, fleet.workerB].contains(record.workerID ?? ""), "\(record)")
                    usedForBoth.insert(record.workerID ?? "")
                }
                let logs = try await fleet.rnx(["logs", job.id])
                #expect(logs.stdout.hasPrefix("\(job.runtime) says hello round-"), "\(logs)")
            }

            // A runtime no host has is refused at once, naming what the fleet offers.
            let missing = try await fleet.rnx(["submit", "--runtime=fleetc:1", "--", "fleet-hello"])
            #expect(missing.status != 0, "\(missing)")
            #expect(missing.stderr.contains("fleeta") && missing.stderr.contains("fleetb"), "\(missing)")
            print("fleet A: \(expected.count) jobs routed; both-1.0 ran on \(usedForBoth.sorted())")
        }

        @Test func sixtyJobsCompleteOnceWhileTheDispatchersBrokerNodeStops() async throws {
            // This test found that `joblet.rpc` was a classic queue homed on one node: with that node
            // down every rnx query failed. It is a quorum queue now.
            try await sixtyJobs()
        }

        func sixtyJobs() async throws {
            let fleet = try await Fleet.shared()
            let before = try await fleet.connections()
            let dispatcherNode = try #require(before["joblet-dispatcher"]?.node, "no dispatcher connection: \(before)")
            let stopped = try #require(fleet.nodeIndex(dispatcherNode))

            let count = 60, stopAfter = 20
            let tag = "fb\(getpid())"
            let started = Date()
            // Four submitters at a time; after the 20th submission the dispatcher's node is stopped while
            // the rest keep coming. rnx lists node 1 last, so the submitters themselves stay connected.
            var results: [Int: CommandResult] = [:]
            var stopTask: Task<Double, any Error>?
            var stopIndex = 0
            try await withThrowingTaskGroup(of: (Int, CommandResult).self) { group in
                var next = 0
                func add() {
                    let i = next
                    next += 1
                    group.addTask {
                        (i, try await fleet.rnx(["submit", "--name", "\(tag)-\(i)", "--", "sh", "-c", "echo job-\(i)"]))
                    }
                }
                for _ in 0..<4 { add() }
                while let (i, result) = try await group.next() {
                    results[i] = result
                    if results.count == stopAfter && stopTask == nil {
                        stopIndex = next
                        stopTask = Task {
                            let t0 = Date()
                            try await fleet.stopNode(stopped)
                            return Date().timeIntervalSince(t0)
                        }
                    }
                    if next < count { add() }
                }
            }
            let stopSeconds = try await stopTask?.value ?? 0
            let submitSeconds = Date().timeIntervalSince(started)
            let failedSubmits = results.filter { $0.value.status != 0 }
            #expect(failedSubmits.isEmpty, "rnx submit failed: \(failedSubmits.map { "\($0.key): \($0.value)" })")

            // Every job ends `completed`, exactly once, in the dispatcher's records.
            var mine: [JobRecord] = []
            var lastList = CommandResult(status: -1, stdout: "", stderr: "")
            for _ in 0..<240 {
                let list = try await fleet.rnx(["list", "--json", "--limit", "1000"])
                lastList = list
                if list.status == 0, let jobs = try? fleet.decode([JobRecord].self, list) {
                    mine = jobs.filter { $0.name?.hasPrefix(tag + "-") == true }
                    if mine.count >= count && mine.allSatisfy(\.state.isTerminal) { break }
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            let allDone = Date().timeIntervalSince(started)
            let byName = Dictionary(grouping: mine) { $0.name ?? "" }
            #expect(
                byName.count == count,
                "\(byName.count) of \(count) jobs known; last list: \(lastList.status) \(lastList.stderr) \(lastList.stdout.prefix(600))\n\(fleet.logs())")
            #expect(byName.values.allSatisfy { $0.count == 1 }, "duplicates: \(byName.filter { $0.value.count > 1 }.keys.sorted())")
            for job in mine {
                #expect(job.state == .completed && job.exitCode == 0, "\(job.name ?? ""): \(job.state) \(job.reason ?? "")")
                #expect(job.history.filter { $0.state == .completed }.count == 1, "\(job.name ?? ""): \(job.history)")
            }
            for (i, result) in results where result.status == 0 {
                let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(byName["\(tag)-\(i)"]?.first?.jobID == id)
            }
            // Output of a few jobs: each printed once.
            for i in [0, stopAfter, count - 1] {
                let id = try #require(byName["\(tag)-\(i)"]?.first?.jobID)
                let logs = try await fleet.rnx(["logs", id])
                #expect(logs.stdout == "job-\(i)\n", "\(logs)")
            }
            // The dispatcher failed over to a node that still runs (it answered the list above).
            let after = try await fleet.connections()
            let dispatcherNow = try #require(after["joblet-dispatcher"]?.node, "dispatcher not connected after the stop: \(after)")
            #expect(fleet.nodeIndex(dispatcherNow) != stopped)

            let attempts = Dictionary(grouping: mine, by: \.attempts).mapValues(\.count)
            let perWorker = Dictionary(grouping: mine) { $0.workerID ?? "-" }.mapValues(\.count)
            print(
                """
                fleet B: stopped node \(stopped) (dispatcher's) after submission \(stopIndex), stop took \
                \(String(format: "%.1f", stopSeconds)) s; dispatcher now on \(dispatcherNow); \
                \(count) submitted in \(String(format: "%.1f", submitSeconds)) s, all terminal after \
                \(String(format: "%.1f", allDone)) s; attempts \(attempts.sorted { $0.key < $1.key }); per worker \(perWorker)
                """)
        }
    }
}  // extension FleetSuite
