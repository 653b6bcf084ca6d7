import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing
import TestSupport

extension DispatcherClusterTests {
    /// With a real `joblet-worker` (host jobs, real sandbox; root only).
    @Suite(
        .integration(needs: [.root]),
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-worker"),
            "joblet-worker is not built in .build/debug"))
    struct EndToEndTests {
        /// Starts a worker on the harness's vhost with a temp config; returns it with its process.
        /// `cgroupRoot`: share one parent cgroup between workers standing in for the same host, so a
        /// worker started after a SIGKILLed one removes the jobs that one left behind.
        func startWorker(harness: DispatcherHarness, cgroupRoot: String? = nil) throws -> (id: String, process: Process, directory: String) {
            // A worker user of the pool: the worker id is its broker user.
            let id = DispatcherTestUsers.nextFakeWorker()
            guard let user = harness.users.workers.first(where: { $0.name == id }) else { throw HarnessError("no worker user \(id)") }
            let directory = ScratchPath.make("dispatcher-e2e-" + id)
            try FileManager.default.createDirectory(atPath: directory + "/runtimes", withIntermediateDirectories: true)
            try """
            broker:
              urls: ["\(harness.bareURL)"]
              credentials_file: \(user.credentialsFile)
            dispatcher_users: [\(harness.users.dispatcher.name)]
            slots: 2
            state_dir: \(directory)/state
            volumes_dir: \(directory)/volumes
            runtimes:
              base_path: \(directory)/runtimes
            advert_interval: 1s
            cgroup:
              allow_unenforced: true
            \(cgroupRoot.map { "  root: \($0)" } ?? "")
            """.write(toFile: directory + "/worker.yml", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-worker")
            process.arguments = ["--config", directory + "/worker.yml"]
            _ = FileManager.default.createFile(atPath: directory + "/worker.log", contents: nil)
            let log = FileHandle(forWritingAtPath: directory + "/worker.log") ?? FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
            return (id, process, directory)
        }

        @Test func pikaSubmissionRunsOnARealWorkerWithResultAndLogs() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let worker = try startWorker(harness: harness)
            defer {
                kill(worker.process.processIdentifier, SIGTERM)
                worker.process.waitUntilExit()
            }
            var listed = false
            for _ in 0..<100 where !listed {
                listed = try await harness.query(RPCRequest(method: .workers)).workers?.contains { $0.workerID == worker.id } ?? false
                if !listed { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(listed, "the worker never advertised")

            // The documented pika example, waiting for the result.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                DispatcherHarness.repoRoot + "/docs/examples/submit.py", "--url", harness.users.client.url,
                "--", "sh", "-c", "echo hello; echo oops >&2; exit 3",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // A follower that never sees the end must fail this test, not hang the run.
            let pid = process.processIdentifier
            let watchdog = Task.detached {
                try await Task.sleep(for: .seconds(120))
                kill(pid, SIGKILL)
            }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            watchdog.cancel()
            #expect(process.terminationReason == .exit, "the example never saw the job end: \(output)")
            let lines = output.split(separator: "\n").map(String.init)
            try #require(lines.count == 2, "\(output)")
            let reply = try JSONCodec.decode(SubmitReply.self, from: Array(lines[0].utf8))
            #expect(reply.status == .accepted)
            #expect(reply.queue == Topology.jobQueue(runtimeID: nil, arch: Architecture.host))
            #expect(process.terminationStatus == 1)
            let jobID = try #require(reply.jobID)

            let record = try await harness.waitForJob(jobID) { $0.state.isTerminal }
            #expect(record?.state == .failed)
            #expect(record?.exitCode == 3)
            #expect(record?.workerID == worker.id)
            #expect(record?.attempts == 1)

            var logs = RPCResponse(ok: false)
            for _ in 0..<100 {
                logs = try await harness.query(RPCRequest(method: .logs, jobID: jobID))
                if logs.complete == true { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(logs.complete == true)
            let text = String(decoding: (logs.logs ?? []).flatMap(\.data), as: UTF8.self)
            #expect(text.contains("hello\n"))
            #expect(text.contains("oops\n"))
        }

        /// A worker that dies while running a job hands it back; after `max_attempts` (2) starts the next
        /// worker dead-letters it and the dispatcher records `lost` with why, with real workers SIGKILLed.
        @Test func jobWhoseWorkerIsLostTwiceEndsLostWithTheReason() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let slice = "/sys/fs/cgroup/joblet-e2e-lost-\(JobID.short(JobID.generate())).slice"
            var workers: [Process] = []
            var directories: [String] = []
            defer {
                for worker in workers where worker.isRunning {
                    kill(worker.processIdentifier, SIGTERM)
                    worker.waitUntilExit()
                }
                // The SIGKILLed workers could not unmount their job disks.
                for directory in directories { TestMounts.unmountAll(under: directory) }
                EndToEndTests.removeCgroupTree(slice)
            }
            func startListedWorker() async throws -> String {
                let worker = try startWorker(harness: harness, cgroupRoot: slice)
                workers.append(worker.process)
                directories.append(worker.directory)
                for _ in 0..<100 {
                    if try await harness.query(RPCRequest(method: .workers)).workers?.contains(where: { $0.workerID == worker.id }) == true {
                        return worker.id
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                throw HarnessError("worker \(worker.id) never advertised")
            }

            let first = try await startListedWorker()
            let reply = try await harness.submit(JobRequest(command: ["sleep", "300"]))
            #expect(reply.status == .accepted, "\(String(describing: reply.error))")
            let jobID = try #require(reply.jobID)

            // Attempt 1 runs on the first worker (its `running` event): kill it outright.
            let one = try await harness.waitForJob(jobID) { $0.state == .running && $0.workerID == first }
            #expect(one?.attempts == 1)
            kill(workers[0].processIdentifier, SIGKILL)
            workers[0].waitUntilExit()

            // The broker hands the job to the next worker: attempt 2. Kill that one too.
            let second = try await startListedWorker()
            let two = try await harness.waitForJob(jobID) { $0.state == .running && $0.workerID == second }
            #expect(two?.attempts == 2)
            kill(workers[1].processIdentifier, SIGKILL)
            workers[1].waitUntilExit()

            // The third worker sees the attempts used up and dead-letters the job instead of running it.
            let third = try await startListedWorker()
            let lost = try await harness.waitForJob(jobID) { $0.state.isTerminal }
            #expect(lost?.state == .lost)
            #expect(lost?.reason == "lost: its worker was lost 2 times", "\(lost?.reason ?? "nil")")
            #expect(lost?.attempts == 2)
            #expect(lost?.history.map(\.state) == [.queued, .running, .running, .lost])
            #expect(lost?.history.compactMap(\.workerID) == [first, second])
            #expect(try await harness.query(RPCRequest(method: .list, state: .running, worker: third)).jobs?.isEmpty == true)

            // What a user sees: `rnx status --json`.
            let rnx = Process()
            rnx.executableURL = URL(fileURLWithPath: DispatcherHarness.repoRoot + "/.build/debug/rnx")
            rnx.arguments = ["status", "--json", "--broker", harness.users.client.url, jobID]
            let pipe = Pipe()
            rnx.standardOutput = pipe
            try rnx.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            rnx.waitUntilExit()
            let shown = try JSONCodec.decode(JobRecord.self, from: [UInt8](output))
            #expect(shown.state == .lost)
            #expect(shown.attempts == 2)
            #expect(shown.reason == "lost: its worker was lost 2 times")
        }

        /// Kills whatever is left in a cgroup subtree and removes it (test cleanup; best effort).
        static func removeCgroupTree(_ path: String) {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for child in children where FileManager.default.fileExists(atPath: path + "/" + child + "/cgroup.procs") {
                removeCgroupTree(path + "/" + child)
            }
            try? "1".write(toFile: path + "/cgroup.kill", atomically: false, encoding: .utf8)
            for _ in 0..<100 {
                if rmdir(path) == 0 || errno == ENOENT { return }
                usleep(20_000)
            }
        }
    }
}
