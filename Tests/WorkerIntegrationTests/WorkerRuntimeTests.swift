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
