import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    @Suite struct QueryTests {
        /// A worker's events and logs (with duplicates) end up in the store; `logs` returns every chunk
        /// once, in order, and says when the job's output is complete.
        @Test func eventsAndLogsAreRecordedOnceAndQueriesAnswer() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, worker) = try await harness.advertiseFakeWorker()
            let jobID = try #require(try await harness.submit(JobRequest(command: ["echo"], runtime: "\(language):1")).jobID)

            func event(_ state: JobState, result: JobResult? = nil) async throws {
                let event = JobEvent(jobID: jobID, state: state, time: Clock.now, workerID: worker.workerID, attempt: 1, result: result)
                try await harness.channel(asWorker: worker.workerID).publish(
                    try JSONCodec.encode(event), exchange: Topology.eventsExchange,
                    routingKey: Topology.eventRoutingKey(submitter: DispatcherTestUsers.clientName, jobID: jobID, state: state),
                    properties: Envelope.properties(type: MessageType.jobEvent))
            }
            try await event(.running)
            let running = try await harness.waitForJob(jobID) { $0.state == .running }
            #expect(running?.attempts == 1)
            #expect(running?.workerID == worker.workerID)

            // Cancel of a running job goes to its worker.
            let control = try await harness.controlQueue(workerID: worker.workerID)
            let cancel = try await harness.query(RPCRequest(method: .cancel, jobID: jobID))
            #expect(cancel.ok, "\(String(describing: cancel.error))")
            let command = try await harness.nextDelivery(on: control).map { try JSONCodec.decode(ControlCommand.self, from: $0.body) }
            #expect(command == ControlCommand(command: .cancel, jobID: jobID))

            let chunks = (0..<5).map { LogChunk(jobID: jobID, seq: UInt64($0), stream: $0 % 2 == 0 ? "stdout" : "stderr", data: Array("line \($0)\n".utf8)) }
            for chunk in chunks + chunks.reversed() {
                try await harness.channel(asWorker: worker.workerID).publish(
                    chunk.data, exchange: Topology.logsExchange,
                    routingKey: chunk.routingKey(submitter: DispatcherTestUsers.clientName), properties: chunk.amqpProperties)
            }
            let result = JobResult(
                exitCode: 0, startedAt: Clock.now - 1, finishedAt: Clock.now, workerID: worker.workerID,
                attempt: 1, logChunks: 5)
            try await event(.completed, result: result)
            try await event(.completed, result: result)
            let done = try await harness.waitForJob(jobID) { $0.state == .completed }
            #expect(done?.exitCode == 0)
            #expect(done?.attempts == 1)
            #expect(done?.history.map(\.state) == [.queued, .running, .completed])

            var logs = RPCResponse(ok: false)
            for _ in 0..<100 {
                logs = try await harness.query(RPCRequest(method: .logs, jobID: jobID, sinceSeq: 0))
                if logs.complete == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(logs.complete == true)
            #expect(logs.logs == chunks)
            let tail = try await harness.query(RPCRequest(method: .logs, jobID: jobID, sinceSeq: 3))
            #expect(tail.logs?.map(\.seq) == [3, 4])

            let listed = try await harness.query(RPCRequest(method: .list, state: .completed, runtime: "\(language):1"))
            #expect(listed.jobs?.map(\.jobID) == [jobID])
            let byWorker = try await harness.query(RPCRequest(method: .list, worker: worker.workerID))
            #expect(byWorker.jobs?.map(\.jobID) == [jobID])

            let runtimes = try await harness.query(RPCRequest(method: .runtimes)).runtimes ?? []
            #expect(runtimes.first { $0.runtime.id == "\(language)-1" }?.workers == [worker.workerID])

            let deleted = try await harness.query(RPCRequest(method: .delete, jobID: jobID))
            #expect(deleted.deleted == 1)
            let gone = try await harness.query(RPCRequest(method: .status, jobID: jobID))
            #expect(gone.ok == false)
            #expect(gone.error?.code == "not_found")
        }

        @Test func queuedJobCancelIsRecordedAndBroadcast() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let control = try await harness.controlQueue(workerID: nil)
            let jobID = try #require(try await harness.submit(JobRequest(command: ["sleep", "9"], runtime: "\(language):1")).jobID)

            let response = try await harness.query(RPCRequest(method: .cancel, jobID: jobID))
            #expect(response.job?.state == .cancelled)
            var seen = false
            for _ in 0..<100 where !seen {
                if let delivery = try await harness.channel.get(queue: control) {
                    seen = try JSONCodec.decode(ControlCommand.self, from: delivery.body) == ControlCommand(command: .cancel, jobID: jobID)
                    try await harness.channel.ack(delivery)
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(seen)
            let again = try await harness.query(RPCRequest(method: .cancel, jobID: jobID))
            #expect(again.error?.code == "already_finished")
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
        }

        @Test func pikaClientSubmitsPerProtocolDocument() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker(version: "3.11").language
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                DispatcherHarness.repoRoot + "/docs/examples/submit.py", "--url", harness.url,
                "--runtime", "\(language):3", "--no-wait", "--", "python", "-c", "print(42)",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            let reply = try JSONCodec.decode(SubmitReply.self, from: Array(output.split(separator: "\n").first.map(String.init)?.utf8 ?? "".utf8))
            #expect(reply.status == .accepted)
            #expect(reply.runtimeID == "\(language)-3.11")
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-3.11", arch: "x86_64"))
        }
    }
}
