#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

/// One serialized parent: the workers of these tests share the `host@<arch>` queue.
@Suite("joblet-worker", .serialized, .integration(needs: [.root, .brokerNodes]))
enum WorkerSuites {}

extension WorkerSuites {
    @Suite("jobs with a real broker and real sandboxes")
    struct WorkerJobTests {
        @Test("a job published to joblet.jobs runs and reports running, logs in order, and its result")
        func hostJobEndToEnd() async throws {
            try await withWorker { probe, worker in

                let id = try await probe.submit(["sh", "-c", "echo hello; echo oops >&2; echo $JOB_ID; hostname; exit 3"])
                let events = try await probe.jobEvents(for: [id])
                let running = try #require(events.first { $0.state == .running })
                #expect(running.workerID == worker.id)
                #expect(running.attempt == 1)
                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .failed)
                let result = try #require(final.result)
                #expect(result.exitCode == 3)
                #expect(result.workerID == worker.id)

                let chunks = try await probe.collect(probe.logs, timeout: .seconds(10)) { deliveries in
                    deliveries.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == id }.count >= Int(result.logChunks)
                }.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == id }.sorted { $0.seq < $1.seq }
                #expect(chunks.map(\.seq) == Array(0..<result.logChunks))
                let stdout = String(decoding: chunks.filter { $0.stream == "stdout" }.flatMap(\.data), as: UTF8.self)
                let stderr = String(decoding: chunks.filter { $0.stream == "stderr" }.flatMap(\.data), as: UTF8.self)
                #expect(stdout == "hello\n\(id)\njob-\(JobID.short(id))\n")
                #expect(stderr == "oops\n")
            }
        }

        @Test("a short silent job is reported by its end alone, which implies its running; others announce running")
        func runningIsAnnouncedWhenItTellsSomething() async throws {
            try await withWorker { probe, worker in
                let silent = try await probe.submit(["true"])
                let talking = try await probe.submit(["echo", "hi"])
                let slow = try await probe.submit(["sleep", "0.5"])
                let events = try await probe.jobEvents(for: [silent, talking, slow])

                #expect(events.filter { $0.jobID == silent }.map(\.state) == [.completed])
                let end = try #require(events.first { $0.jobID == silent })
                #expect(end.impliesRunning == true)
                #expect(end.impliedRunning?.workerID == worker.id)
                #expect(end.impliedRunning?.time == end.result?.startedAt)
                // Output and a run past the flush interval (0.1 s) both announce the start before the end.
                for id in [talking, slow] {
                    #expect(events.filter { $0.jobID == id }.map(\.state) == [.running, .completed])
                    #expect(events.first { $0.jobID == id && $0.state.isTerminal }?.impliesRunning == nil)
                }
            }
        }

        @Test("a missing command fails with the sandbox's message as reason and stderr")
        func commandNotFound() async throws {
            try await withWorker { probe, worker in
                let id = try await probe.submit(["no-such-program-xyz"])
                let events = try await probe.jobEvents(for: [id])
                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .failed)
                #expect(final.result?.reason?.contains("no-such-program-xyz") == true)
            }
        }

        @Test("limits over the worker's maximum are rejected with the reason")
        func overMaximumRejected() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, extra: "limits:\n  default:\n    memory: 128M\n  max:\n    memory: 256M\n    timeout: 1h") }
            ) { probe, worker in
                let id = try await probe.submit(["true"], limits: JobLimits(memory: ByteSize(bytes: 1 << 30)))
                let events = try await probe.jobEvents(for: [id])
                let final = try #require(events.first)
                #expect(final.state == .rejected)
                #expect(final.reason?.contains("limits.memory") == true)
            }
        }

        @Test("a timeout kills the job tree and reports timed_out")
        func timeout() async throws {
            try await withWorker { probe, worker in
                let id = try await probe.submit(["sh", "-c", "trap '' TERM; sleep 60"], limits: JobLimits(timeout: JobDuration(seconds: 1)))
                let events = try await probe.jobEvents(for: [id])
                #expect(events.first { $0.state.isTerminal }?.state == .timedOut)
            }
        }

        @Test("cancel over joblet.control kills the job and reports cancelled")
        func cancel() async throws {
            try await withWorker { probe, worker in
                let id = try await probe.submit(["sleep", "60"])
                var running: [JobEvent] = []
                _ = try await probe.collect(probe.events) { deliveries in
                    running = deliveries.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }.filter { $0.jobID == id && $0.state == .running }
                    return !running.isEmpty
                }
                let workerID = try #require(running.first?.workerID)
                try await probe.control(ControlCommand(command: .cancel, jobID: id), workerID: workerID)
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(30))
                #expect(events.first { $0.state.isTerminal }?.state == .cancelled)
            }
        }
    }
}
