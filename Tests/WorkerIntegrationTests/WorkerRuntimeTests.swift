#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    @Suite("jobs with real runtimes")
    struct WorkerRuntimeTests {
        static let python = "python-3.11"

        @Test("a python-3.11 job runs the runtime's interpreter (prefix /usr/local) in the sandbox")
        func pythonJobUsesTheRuntime() async throws {
            guard let base = try RuntimeFixture.base(with: [Self.python]) else { return }
            defer { try? FileManager.default.removeItem(atPath: base) }
            try await withWorker({ try await WorkerProcess(url: $0, runtimesPath: base) }) { probe, worker in
                let queue = Topology.jobQueue(runtimeID: Self.python, arch: Architecture.host)
                let advert = try await probe.advert(of: worker.id) { $0.queues.contains(queue) }
                try #require(advert != nil, "the worker never advertised \(queue)")

                let id = try await probe.submit(
                    ["python3", "-c", "import sys; print(sys.version); print(sys.prefix); print(sys.executable)"],
                    runtimeID: Self.python)
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(90))
                let final = try #require(
                    events.first { $0.state.isTerminal },
                    "no terminal event for \(id); events: \(events.map(\.state)); worker log:\n\(worker.log.suffix(4000))")
                #expect(final.state == .completed)
                let stdout = try await probe.output(of: id, chunks: final.result?.logChunks ?? 0)
                let lines = stdout.split(separator: "\n").map(String.init)
                #expect(lines.first?.hasPrefix("3.11.") == true, "stdout: \(stdout)")
                #expect(lines.dropFirst().first == "/usr/local")
                #expect(lines.dropFirst(2).first?.hasPrefix("/usr/local/bin/") == true)
            }
        }

        @Test("a worker without a runtime neither consumes nor advertises its queue, and never runs its jobs")
        func workerWithoutRuntimeNeverGetsItsJobs() async throws {
            guard let pythonBase = try RuntimeFixture.base(with: [Self.python]),
                let nodeBase = try RuntimeFixture.base(with: ["node-20"])
            else { return }
            defer {
                try? FileManager.default.removeItem(atPath: pythonBase)
                try? FileManager.default.removeItem(atPath: nodeBase)
            }
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            let withPython = try await WorkerProcess(url: url, runtimesPath: pythonBase)
            let withoutPython = try await WorkerProcess(url: url, runtimesPath: nodeBase)
            try await withCleanup {
                await withPython.stop(); await withoutPython.stop(); await probe.close()
            } do: {
                let pythonQueue = Topology.jobQueue(runtimeID: Self.python, arch: Architecture.host)
                let nodeQueue = Topology.jobQueue(runtimeID: "node-20", arch: Architecture.host)
                let hostQueue = Topology.jobQueue(runtimeID: nil, arch: Architecture.host)

                let a = try #require(try await probe.advert(of: withPython.id) { $0.queues.contains(pythonQueue) })
                let b = try #require(try await probe.advert(of: withoutPython.id) { $0.queues.contains(nodeQueue) })
                #expect(Set(a.queues) == [hostQueue, pythonQueue])
                #expect(Set(b.queues) == [hostQueue, nodeQueue])
                #expect(b.runtimes.map(\.id) == ["node-20"])

                var ids: Set<String> = []
                for _ in 0..<6 {
                    ids.insert(try await probe.submit(["python3", "-c", "print('hi')"], runtimeID: Self.python))
                }
                let events = try await probe.jobEvents(for: ids, timeout: .seconds(120))
                #expect(Set(events.filter { $0.state == .completed }.map(\.jobID)) == ids)
                #expect(!events.contains { $0.workerID == withoutPython.id })
                #expect(events.contains { $0.workerID == withPython.id })
            }
        }

        /// Any user may ask the dispatcher for a runtime test, which goes to every worker offering the
        /// runtime: a burst must not become a sandbox per command (it was: commands run concurrently).
        @Test("runtime_test runs one test at a time; a burst is answered busy, and the next one runs")
        func runtimeTestsAreBounded() async throws {
            let base = ScratchPath.make("slowtest-runtimes")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let id = "slowtest\(JobID.short(JobID.generate()).prefix(6))-1.0"
            try RuntimeScratch.scriptRuntime(
                at: "\(base)/slowtest/\(id)", name: id, language: "slowtest", description: "a slow smoke test",
                script: ("slow-test", "#!/bin/sh\nsleep 2\necho slow test done\n"), extra: "test: \"slow-test\"")
            try await withWorker({ try await WorkerProcess(url: $0, runtimesPath: base) }) { probe, worker in
                _ = try #require(try await probe.advert(of: worker.id) { $0.runtimes.contains { $0.id == id } })
                let replies = try await probe.reportQueue(of: worker.id)
                for index in 0..<4 {
                    try await probe.channel.publish(
                        Envelope.encode(ControlCommand(command: .runtimeTest, runtime: id)),
                        exchange: Topology.controlExchange, routingKey: Topology.controlRoutingKey(workerID: worker.id),
                        properties: Envelope.properties(type: MessageType.control, correlationID: "t\(index)", persistent: false))
                }
                let reports = try await probe.collect(replies, timeout: .seconds(60)) { $0.count >= 4 }
                    .map { try JSONCodec.decode(RuntimeTestReport.self, from: $0.body) }
                #expect(reports.count == 4)
                #expect(reports.filter(\.passed).map(\.output) == ["slow test done\n"], "\(reports)")
                let busy = reports.filter { !$0.passed }
                #expect(busy.count == 3)
                #expect(busy.allSatisfy { $0.output.hasPrefix("busy: a runtime test is already running on \(worker.id)") }, "\(busy)")
                // Once it has reported, the next test runs.
                let next = try #require(try await probe.runtimeTest(id, workerID: worker.id))
                #expect(next.report.passed, "\(next.report.output)")
            }
        }

        @Test("runtime_test over joblet.control replies with a passing report that shows the version")
        func runtimeTestReplies() async throws {
            guard let base = try RuntimeFixture.base(with: [Self.python]) else { return }
            defer { try? FileManager.default.removeItem(atPath: base) }
            try await withWorker({ try await WorkerProcess(url: $0, runtimesPath: base) }) { probe, worker in
                _ = try #require(try await probe.advert(of: worker.id) { $0.runtimes.contains { $0.id == Self.python } })

                let reply = try #require(try await probe.runtimeTest(Self.python, workerID: worker.id))
                #expect(reply.correlated)
                #expect(reply.report.workerID == worker.id)
                #expect(reply.report.runtimeID == Self.python)
                #expect(reply.report.passed, "output: \(reply.report.output)")
                #expect(reply.report.exitCode == 0)
                #expect(reply.report.output.hasPrefix("3.11."))
            }
        }
    }
}
