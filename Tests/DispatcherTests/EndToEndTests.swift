import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
/// With a real `joblet-worker` (host jobs, real sandbox; root only).
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-worker")))
struct EndToEndTests {
    /// Starts a worker on the harness's vhost with a temp config; returns it with its process.
    func startWorker(url: String) throws -> (id: String, process: Process, directory: String) {
        let id = "e2e-" + JobID.short(JobID.generate())
        let directory = NSTemporaryDirectory() + "joblet-dispatcher-e2e-" + id
        try FileManager.default.createDirectory(atPath: directory + "/runtimes", withIntermediateDirectories: true)
        try """
        broker:
          urls: ["\(url)"]
        worker_id: \(id)
        slots: 2
        state_dir: \(directory)/state
        volumes_dir: \(directory)/volumes
        runtimes:
          base_path: \(directory)/runtimes
        advert_interval: 1s
        cgroup:
          allow_unenforced: true
        """.write(toFile: directory + "/worker.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DispatcherHarness.repoRoot + "/.build/debug/joblet-worker")
        process.arguments = ["--config", directory + "/worker.yml"]
        let log = FileHandle(forWritingAtPath: directory + "/../joblet-dispatcher-e2e-\(id).log")
            ?? FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return (id, process, directory)
    }

    @Test func pikaSubmissionRunsOnARealWorkerWithResultAndLogs() async throws {
        let harness = try await DispatcherHarness()
        defer { harness.terminate() }
        let worker = try startWorker(url: harness.url)
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
        process.arguments = [DispatcherHarness.repoRoot + "/docs/examples/submit.py", "--url", harness.url,
                             "--", "sh", "-c", "echo hello; echo oops >&2; exit 3"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
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
}
}
