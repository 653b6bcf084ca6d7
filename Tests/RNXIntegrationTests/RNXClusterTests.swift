import Foundation
import JobletCore
import TestSupport
import Testing

/// The CLI as a user runs it, against a real local cluster (broker, dispatcher, worker processes).
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXClusterTests {
    func decode<T: Decodable>(_ type: T.Type, _ result: CommandResult) throws -> T {
        try JSONCodec.decode(type, from: Array(result.stdout.utf8), rejectUnknownKeys: false)
    }

    @Test func runPrintsOutputOnItsStreamsAndExitsWithTheJobsCode() async throws {
        let cluster = try await LocalCluster.shared()
        let ok = try await cluster.rnx(["run", "--", "sh", "-c", "echo out; echo err >&2"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout == "out\n", "\(ok)")
        #expect(ok.stderr.contains("err\n"), "\(ok)")

        let three = try await cluster.rnx(["run", "sh", "-c", "echo before; exit 3"])
        #expect(three.status == 3, "\(three)")
        #expect(three.stdout == "before\n", "\(three)")

        let killed = try await cluster.rnx(["run", "--", "sh", "-c", "kill -9 $$"])
        #expect(killed.status == 137, "\(killed)")
    }

    /// A job that fails before its command starts (here: no such command) ends `failed` with the reason;
    /// it once stayed `queued` and `rnx run` waited forever, because the dispatcher believes a result
    /// only from the worker holding the job and no `running` had made it the holder.
    @Test func aCommandThatDoesNotExistFailsTheRunWithTheReason() async throws {
        let cluster = try await LocalCluster.shared()
        let missing = try await cluster.rnx(["run", "--", "/no/such/joblet-command"])
        #expect(missing.status != 0, "\(missing)")
        #expect(missing.stderr.contains("command not found"), "\(missing)")
        let listed = try await cluster.rnx(["submit", "--wait", "--json", "--", "/no/such/joblet-command"])
        let record = try decode(JobRecord.self, listed)
        #expect(record.state == .failed && record.reason?.contains("command not found") == true, "\(listed)")
    }

    /// A job stopped by a limit says which and what to do, even when stderr is not a terminal
    /// (it once exited 137 and printed nothing).
    @Test func runExplainsALimitThatStoppedTheJob() async throws {
        let cluster = try await LocalCluster.shared()
        let oom = try await cluster.rnx(["run", "--max-memory=32M", "--", "python3", "-c", "x = bytearray(256 << 20); print(len(x))"])
        #expect(oom.status == 137, "\(oom)")
        #expect(oom.stderr.contains("out of memory (limit 32M, peak "), "\(oom)")
        #expect(oom.stderr.contains("raise --max-memory"), "\(oom)")
        // submit --wait prints the id and the same explanation; status shows it later.
        let waited = try await cluster.rnx(["submit", "--wait", "--max-memory=32M", "--", "python3", "-c", "x = bytearray(256 << 20)"])
        #expect(waited.stdout.contains("raise --max-memory"), "\(waited)")
        let id = try #require(waited.stdout.split(separator: " ").first.map(String.init))
        let status = try await cluster.rnx(["status", id])
        #expect(status.stdout.contains("out of memory (limit 32M"), "\(status)")
        #expect(status.stdout.contains("raise --max-memory"), "\(status)")
        let slow = try await cluster.rnx(["run", "--timeout=1s", "--", "sleep", "30"])
        #expect(slow.status == 124, "\(slow)")
        #expect(slow.stderr.contains("timed out (limit 1s): raise --timeout"), "\(slow)")
    }

    @Test func runWithARuntimeUsesItsMounts() async throws {
        let cluster = try await LocalCluster.shared()
        let result = try await cluster.rnx(["run", "--runtime=rnxsh:1", "rnxsh-hello", "world"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "rnxsh says hello world\n", "\(result)")
    }

    @Test func runOutputArrivesCompleteAndInOrder() async throws {
        let cluster = try await LocalCluster.shared()
        // Enough output for many chunks: the follower must merge history and live without gaps.
        let result = try await cluster.rnx(["run", "--", "sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done"])
        #expect(result.status == 0, "\(result.status) \(result.stderr)")
        let expected = (0..<3000).map { "line-\($0)\n" }.joined()
        #expect(result.stdout == expected)
    }

    @Test func uploadsArriveInWorkWithTheirPermissions() async throws {
        let cluster = try await LocalCluster.shared()
        let directory = NSTemporaryDirectory() + "rnx-upload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/tool", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(
            atPath: directory + "/tool/run.sh", contents: Data("#!/bin/sh\necho tool ran\n".utf8),
            attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: directory + "/data.txt", contents: Data("payload\n".utf8))
        let result = try await cluster.rnx([
            "run", "--upload", directory + "/tool", "--upload", directory + "/data.txt",
            "--", "sh", "-c", "cd /work && ./tool/run.sh && cat data.txt",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "tool ran\npayload\n", "\(result)")
    }

    @Test func uploadSizeIsTheTotalBytesOfTheFiles() async throws {
        let cluster = try await LocalCluster.shared()
        let directory = NSTemporaryDirectory() + "rnx-size-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/tree/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/tree/a.txt", contents: Data("hello".utf8))
        _ = FileManager.default.createFile(atPath: directory + "/tree/sub/b.bin", contents: Data(repeating: 7, count: 1000))
        _ = FileManager.default.createFile(atPath: directory + "/single.txt", contents: Data("twelve bytes".utf8))
        // A spy queue bound beside the workers': it sees the job message the dispatcher routes. It
        // logs in as the observer (dispatcher permissions, trusted by no worker), rnx as alice.
        let spy = """
            import json, pika, subprocess, sys
            conn = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
            ch = conn.channel()
            q = ch.queue_declare("", exclusive=True).method.queue
            for arch in ("x86_64", "aarch64"):
                ch.queue_bind(q, "joblet.jobs", routing_key="host@" + arch)
            done = subprocess.run(sys.argv[2:], capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit("rnx submit failed: " + done.stderr)
            job_id = done.stdout.strip()
            for _ in range(1200):
                method, props, body = ch.basic_get(q, auto_ack=True)
                if method is None:
                    conn.sleep(0.1)
                    continue
                message = json.loads(body)
                if message["job_id"] == job_id:
                    print(json.dumps(message["request"]["upload"]))
                    sys.exit(0)
            sys.exit("the job message never arrived")
            """
        let result = try await Subprocess.run(
            "/usr/bin/python3",
            [
                "-c", spy, cluster.observer.url, LocalCluster.rnxPath, "submit",
                "--upload", directory + "/tree", "--upload", directory + "/single.txt",
                "--", "true",
            ],
            environment: cluster.environment())
        #expect(result.status == 0, "\(result)")
        let upload = try JSONCodec.decode(JobUpload.self, from: Array(result.stdout.utf8), rejectUnknownKeys: false)
        let expected: Int64 = 5 + 1000 + 12
        #expect(upload.size == expected, "\(result)")
        #expect(upload.format == "tar.gz")
    }

    @Test func submitThenStatusListAndLogs() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--name", "greeting", "--", "sh", "-c", "echo hi; echo oops >&2"])
        #expect(submitted.status == 0, "\(submitted)")
        let jobID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(jobID.count == 32 && JobID.isPlausiblePrefix(jobID), "\(submitted)")

        // Follow by a short prefix until it ends: every byte once, on its stream.
        let followed = try await cluster.rnx(["logs", "-f", String(jobID.prefix(10))])
        #expect(followed.status == 0, "\(followed)")
        #expect(followed.stdout == "hi\n", "\(followed)")
        #expect(followed.stderr == "oops\n", "\(followed)")

        var record = try decode(JobRecord.self, try await cluster.rnx(["status", "--json", jobID]))
        for _ in 0..<50 where !record.state.isTerminal {
            try await Task.sleep(for: .milliseconds(100))
            record = try decode(JobRecord.self, try await cluster.rnx(["status", "--json", jobID]))
        }
        #expect(record.jobID == jobID)
        #expect(record.state == .completed)
        #expect(record.name == "greeting")
        #expect(record.command == ["sh", "-c", "echo hi; echo oops >&2"])

        let human = try await cluster.rnx(["status", String(jobID.prefix(12))])
        #expect(human.status == 0, "\(human)")
        #expect(human.stdout.contains(jobID) && human.stdout.contains("completed"), "\(human)")

        let listed = try decode([JobRecord].self, try await cluster.rnx(["list", "--json", "--limit", "500"]))
        #expect(listed.contains { $0.jobID == jobID && $0.state == .completed })
        let completedOnly = try decode([JobRecord].self, try await cluster.rnx(["list", "--json", "--state", "completed", "--limit", "500"]))
        #expect(completedOnly.allSatisfy { $0.state == .completed })

        let history = try await cluster.rnx(["logs", jobID])
        #expect(history.status == 0 && history.stdout == "hi\n" && history.stderr == "oops\n", "\(history)")

        let chunks = try await cluster.rnx(["logs", "--json", jobID])
        let lines = chunks.stdout.split(separator: "\n").map { try? JSONCodec.decode(LogChunk.self, from: Array($0.utf8)) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0?.jobID == jobID }, "\(chunks)")
    }

    @Test func cancelStopsARunningJob() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--", "sleep", "300"])
        #expect(submitted.status == 0, "\(submitted)")
        let jobID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var state = JobState.queued
        for _ in 0..<100 where state != .running {
            state = try decode(JobRecord.self, try await cluster.rnx(["status", "--json", jobID])).state
            if state != .running { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(state == .running)

        let cancelled = try await cluster.rnx(["cancel", jobID])
        #expect(cancelled.status == 0, "\(cancelled)")
        // Following a cancelled job ends, and `submit --wait`-style exit codes say cancelled.
        let followed = try await cluster.rnx(["logs", "-f", jobID])
        #expect(followed.status == 0, "\(followed)")
        var record = try decode(JobRecord.self, try await cluster.rnx(["status", "--json", jobID]))
        for _ in 0..<50 where !record.state.isTerminal {
            try await Task.sleep(for: .milliseconds(100))
            record = try decode(JobRecord.self, try await cluster.rnx(["status", "--json", jobID]))
        }
        #expect(record.state == .cancelled, "\(record)")
    }

    @Test func submitWaitExitsWithTheJobsCode() async throws {
        let cluster = try await LocalCluster.shared()
        let result = try await cluster.rnx(["submit", "--wait", "--json", "--", "sh", "-c", "exit 5"])
        #expect(result.status == 5, "\(result)")
        let record = try decode(JobRecord.self, result)
        #expect(record.state == .failed)
        #expect((record.exitCode ?? record.result?.exitCode) == 5)
    }

    @Test func workersShowsTheFleet() async throws {
        let cluster = try await LocalCluster.shared()
        let json = try await cluster.rnx(["workers", "--json"])
        #expect(json.status == 0, "\(json)")
        let workers = try decode([WorkerAdvert].self, json)
        let ours = try #require(workers.first { $0.workerID == cluster.workerID })
        #expect(ours.slotsTotal == LocalCluster.slots)
        #expect(ours.runtimes.map(\.id).contains(LocalCluster.runtimeID))

        let table = try await cluster.rnx(["workers"])
        #expect(table.status == 0, "\(table)")
        #expect(table.stdout.hasPrefix("ID"), "\(table)")
        #expect(table.stdout.contains(cluster.workerID) && table.stdout.contains("/\(LocalCluster.slots)"), "\(table)")
    }

    @Test func runtimeListInfoAndTest() async throws {
        let cluster = try await LocalCluster.shared()
        let list = try decode([FleetRuntime].self, try await cluster.rnx(["runtime", "list", "--json"]))
        let entry = try #require(list.first { $0.runtime.id == LocalCluster.runtimeID })
        #expect(entry.workers.contains(cluster.workerID))

        let info = try await cluster.rnx(["runtime", "info", "rnxsh:1"])
        #expect(info.status == 0, "\(info)")
        #expect(info.stdout.contains(LocalCluster.runtimeID) && info.stdout.contains(cluster.workerID), "\(info)")
        let infoJSON = try decode(FleetRuntime.self, try await cluster.rnx(["runtime", "info", "--json", LocalCluster.runtimeID]))
        #expect(infoJSON.runtime.language == "rnxsh")

        let tested = try await cluster.rnx(["runtime", "test", "--json", "--timeout", "60s", LocalCluster.runtimeID])
        #expect(tested.status == 0, "\(tested)")
        let reports = try decode([RuntimeTestReport].self, tested)
        let ours = try #require(reports.first { $0.workerID == cluster.workerID })
        #expect(ours.passed)
        #expect(ours.output.contains("rnxsh says hello smoke"))
    }

    @Test func aSubmitterSeesOnlyItsOwnJobs() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--wait", "--json", "--", "sh", "-c", "echo alice-secret"])
        #expect(submitted.status == 0, "\(submitted)")
        let jobID = try decode(JobRecord.self, submitted).jobID
        let own = try await cluster.rnx(["status", "--json", jobID])
        #expect(own.status == 0 && (try? decode(JobRecord.self, own))?.submitter == cluster.alice.name, "\(own)")
        let ownLogs = try await cluster.rnx(["logs", jobID])
        #expect(ownLogs.status == 0 && ownLogs.stdout == "alice-secret\n", "\(ownLogs)")

        // To bob, alice's job does not exist: not by id, not by prefix, not in the list, not its logs.
        let status = try await cluster.rnx(["status", jobID], as: cluster.bob)
        #expect(status.status != 0, "\(status)")
        #expect(status.stderr.contains("not found") || status.stderr.contains("no job"), "\(status)")
        #expect(!status.stdout.contains("alice"), "\(status)")
        let prefix = try await cluster.rnx(["status", String(jobID.prefix(12))], as: cluster.bob)
        #expect(prefix.status != 0, "\(prefix)")
        let logs = try await cluster.rnx(["logs", jobID], as: cluster.bob)
        #expect(logs.status != 0 && !logs.stdout.contains("alice-secret"), "\(logs)")
        let cancel = try await cluster.rnx(["cancel", jobID], as: cluster.bob)
        #expect(cancel.status != 0, "\(cancel)")

        let bobs = try await cluster.rnx(["submit", "--wait", "--", "true"], as: cluster.bob)
        #expect(bobs.status == 0, "\(bobs)")
        let listed = try await cluster.rnx(["list", "--json", "--limit", "1000"], as: cluster.bob)
        #expect(listed.status == 0, "\(listed)")
        let bobSees = try decode([JobRecord].self, listed)
        #expect(!bobSees.isEmpty && bobSees.allSatisfy { $0.submitter == cluster.bob.name }, "\(bobSees.map(\.submitter))")
        #expect(!bobSees.contains { $0.jobID == jobID })
        let table = try await cluster.rnx(["list", "--limit", "1000"], as: cluster.bob)
        #expect(table.status == 0 && !table.stdout.contains(jobID) && !table.stdout.contains(cluster.alice.name), "\(table)")

        // The admin sees both.
        let all = try decode([JobRecord].self, try await cluster.rnx(["list", "--json", "--limit", "1000"], as: cluster.admin))
        #expect(all.contains { $0.jobID == jobID } && all.contains { $0.submitter == cluster.bob.name })
    }

    @Test func onlyAdminsDrainAndResumeWorkers() async throws {
        let cluster = try await LocalCluster.shared()
        // The spare worker: draining it leaves the main worker to the tests running meanwhile.
        let worker = cluster.spareWorkerID
        func status() async throws -> WorkerAdvert.Status? {
            let listed = try await cluster.rnx(["workers", "--json"])
            return try decode([WorkerAdvert].self, listed).first { $0.workerID == worker }?.status
        }
        func wait(for wanted: WorkerAdvert.Status) async throws -> WorkerAdvert.Status? {
            var seen = try await status()
            for _ in 0..<100 where seen != wanted {
                try await Task.sleep(for: .milliseconds(100))
                seen = try await status()
            }
            return seen
        }

        let refused = try await cluster.rnx(["workers", "drain", worker])
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("only admins"), "\(refused)")
        let refusedResume = try await cluster.rnx(["workers", "resume", worker], as: cluster.bob)
        #expect(refusedResume.status != 0 && refusedResume.stderr.contains("only admins"), "\(refusedResume)")
        #expect(try await status() == .online)

        let drained = try await cluster.rnx(["workers", "drain", worker], as: cluster.admin)
        #expect(drained.status == 0, "\(drained)")
        #expect(drained.stdout.contains("draining \(worker)"), "\(drained)")
        #expect(try await wait(for: .draining) == .draining)

        let resumed = try await cluster.rnx(["workers", "resume", worker], as: cluster.admin)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.contains("resuming \(worker)"), "\(resumed)")
        #expect(try await wait(for: .online) == .online)

        let unknown = try await cluster.rnx(["workers", "drain", "joblet-worker-nobody"], as: cluster.admin)
        #expect(unknown.status != 0 && unknown.stderr.contains("no live worker"), "\(unknown)")
    }

    @Test func unknownRuntimeErrorListsWhatExists() async throws {
        let cluster = try await LocalCluster.shared()
        let run = try await cluster.rnx(["run", "--runtime=cobol:85", "--", "true"])
        #expect(run.status == 125, "\(run)")
        #expect(run.stderr.contains("cobol") && run.stderr.contains(LocalCluster.runtimeID), "\(run)")

        let info = try await cluster.rnx(["runtime", "info", "cobol:85"])
        #expect(info.status != 0, "\(info)")
        #expect(info.stderr.contains(LocalCluster.runtimeID), "\(info)")
    }

    @Test func ambiguousOrUnknownIDsAreClear() async throws {
        let cluster = try await LocalCluster.shared()
        let notHex = try await cluster.rnx(["status", "not-an-id"])
        #expect(notHex.status != 0 && notHex.stderr.contains("unique prefix"), "\(notHex)")
        let missing = try await cluster.rnx(["status", String(repeating: "0", count: 32)])
        #expect(missing.status != 0 && !missing.stderr.isEmpty, "\(missing)")
    }
}
