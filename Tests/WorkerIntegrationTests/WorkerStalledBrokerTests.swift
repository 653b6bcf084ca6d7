import Foundation
import JobletCore
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    @Suite("a stalled broker")
    struct WorkerStalledBrokerTests {
        // A node of its own: the memory alarm blocks every publisher on the node.
        @Test(
            "a job is stopped at its timeout while the broker withholds the confirms of its output",
            .timeLimit(.minutes(3)))
        func timeoutHoldsWhileBrokerStalls() async throws {
            try await withPrivateBrokerWorker("worker-stall", slots: 1) { broker, probe, worker in
                _ = try #require(try await probe.advert(of: worker.id))
                // A line every 50 ms: each flush tick publishes a chunk, so a window of them soon
                // waits for confirms that do not come. `$0` marks the job's shell on the host.
                let marker = "joblet-stall-\(UUID().uuidString.prefix(8))"
                let id = try await probe.submit(
                    ["sh", "-c", "while :; do echo tick; sleep 0.05; done", marker],
                    limits: JobLimits(timeout: JobDuration(seconds: 8)))
                _ = try await probe.collect(probe.events, timeout: .seconds(30)) { deliveries in
                    deliveries.contains { $0.routingKey == BrokerProbe.eventKey(id, .running) }
                }
                #expect(Self.processes(named: marker) > 0, "the job runs")

                // The memory alarm: the broker stops reading from every publishing connection.
                try await broker.ctl(["set_vm_memory_high_watermark", "0"])
                try await withCleanup {
                    _ = try? await broker.ctl(["set_vm_memory_high_watermark", "0.4"])
                } do: {
                    var alive = Self.processes(named: marker)
                    let end = ContinuousClock.now + .seconds(30)
                    while alive > 0, ContinuousClock.now < end {
                        try await Task.sleep(for: .milliseconds(200))
                        alive = Self.processes(named: marker)
                    }
                    #expect(alive == 0, "the job outlived its 8 s timeout by 30 s while the broker stalled")
                }
                // Once the broker reads again, the end is published as the timeout.
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(60))
                #expect(events.first { $0.state.isTerminal }?.state == .timedOut)
            }
        }

        /// Host processes whose command line has `marker` as an argument.
        static func processes(named marker: String) -> Int {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.filter { entry in
                guard entry.allSatisfy(\.isNumber), let cmdline = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else {
                    return false
                }
                return cmdline.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == marker }
            }.count
        }
    }
}
