import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    /// Workers may not declare job queues: they look for the queues the dispatcher declares for their
    /// adverts, and consume each once it exists.
    @Suite("job queues: found, not declared")
    struct WorkerQueueSearchTests {
        @Test(
            "a worker does not declare its runtime's queue; once the dispatcher's part declares it, the worker consumes it, advertises it at once and runs its jobs"
        )
        func consumesAQueueOnceDeclared() async throws {
            let (base, runtimes) = try QueueRuntimes.make(1, language: "search", description: "worker queue search tests")
            defer { try? FileManager.default.removeItem(atPath: base) }
            let runtime = try #require(runtimes.first)
            let queue = Topology.jobQueue(runtimeID: runtime, arch: Architecture.host)
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url, declaresJobQueues: false)
            // Adverts on a timer only every 10 minutes: the one listing the queue must come when it is found.
            let worker = try await WorkerProcess(url: url, runtimesPath: base, advertInterval: "10m")
            try await withCleanup {
                await worker.stop(); try? await probe.channel.deleteQueue(queue); await probe.close()
            } do: {
                let advert = try await probe.advert(of: worker.id) { $0.runtimes.contains { $0.id == runtime } }
                #expect(advert?.queues.contains(queue) == false, "advertised a queue nobody declared: \(String(describing: advert?.queues))")
                let lookup = try await probe.connection.openChannel()
                let missing = await #expect(throws: AMQPError.self) { try await lookup.inspectQueue(queue) }
                #expect(missing?.replyCode == 404, "the worker declared its own queue: \(String(describing: missing))")

                _ = try await probe.declareJobQueue(runtimeID: runtime)
                #expect(
                    try await probe.advert(of: worker.id) { $0.queues.contains(queue) } != nil,
                    "no advert listed the queue it found before the advert interval")
                let id = try await probe.submit(["sh", "-c", "exit 0"], runtimeID: runtime)
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(60))
                let end = events.first { $0.state.isTerminal }
                #expect(end?.state == .completed, "\(String(describing: end)); worker log:\n\(worker.log.suffix(3000))")
                #expect(end?.workerID == worker.id)
            }
        }
    }
}
