import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    /// Concurrency is proven without timing: jobs that cannot end on their own until the test opens
    /// their gate, and the gate opens only once every one of them has reported `running`.
    @Suite("slots: concurrency within and across queues, and the holding bound")
    struct WorkerSlotTests {
        @Test("a worker with 3 slots runs 3 jobs of one queue at once")
        func threeJobsOfOneQueue() async throws {
            try await runAtOnce(slots: 3, queues: 1)
        }

        @Test("a worker with 4 slots runs 2 jobs from each of two queues at once")
        func fourJobsAcrossTwoQueues() async throws {
            try await runAtOnce(slots: 4, queues: 2)
        }

        /// `slots` gated jobs spread over `queues` runtime queues all run before any may end.
        func runAtOnce(slots: Int, queues queueCount: Int) async throws {
            let (base, runtimes) = try SlotFixture.runtimes(queueCount)
            defer { try? FileManager.default.removeItem(atPath: base) }
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            var declared: [String] = []
            for runtime in runtimes { declared.append(try await probe.declareJobQueue(runtimeID: runtime)) }
            let queues = declared
            let worker = try await WorkerProcess(url: url, slots: slots, runtimesPath: base)
            try await withCleanup {
                await worker.stop(); for queue in queues { try? await probe.channel.deleteQueue(queue) }; await probe.close()
            } do: {

                var ids: Set<String> = []
                for index in 0..<slots {
                    ids.insert(try await probe.submit(SlotFixture.untilOpen, runtimeID: runtimes[index % queueCount]))
                }
                let running = try await probe.runningEvents(of: ids, count: slots)
                #expect(Set(running.map(\.jobID)) == ids, "running at once: \(running.count) of \(slots); worker log:\n\(worker.log.suffix(3000))")
                #expect(running.allSatisfy { $0.workerID == worker.id })
                for runtime in runtimes { SlotFixture.open(base: base, id: runtime) }
                let events = try await probe.jobEvents(for: ids, timeout: .seconds(120))
                #expect(
                    Set(events.filter { $0.state == .completed }.map(\.jobID)) == ids,
                    "\(events.filter(\.state.isTerminal).map { "\($0.jobID): \($0.state) \($0.result?.exitCode ?? -1)" })")
            }
        }

        @Test("with jobs waiting in two queues, the worker never holds more than slots + queues - 1 deliveries, and requeues none")
        func holdingBound() async throws {
            let slots = 2
            let (base, runtimes) = try SlotFixture.runtimes(2)
            defer { try? FileManager.default.removeItem(atPath: base) }
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            var declared: [String] = []
            for runtime in runtimes { declared.append(try await probe.declareJobQueue(runtimeID: runtime)) }
            let queues = declared
            // Jobs wait in both queues before the worker starts, so its first consumers race for them.
            let perQueue = 6
            let total = perQueue * runtimes.count
            var ids: Set<String> = []
            for _ in 0..<perQueue {
                for runtime in runtimes { ids.insert(try await probe.submit(SlotFixture.untilOpen, runtimeID: runtime)) }
            }
            let worker = try await WorkerProcess(url: url, slots: slots, runtimesPath: base)
            try await withCleanup {
                await worker.stop(); for queue in queues { try? await probe.channel.deleteQueue(queue) }; await probe.close()
            } do: {
                // The host queue and the two runtime queues.
                let bound = slots + 3 - 1

                // Every slot busy and nothing can end: whatever left the queues is unacknowledged.
                let early = try await probe.runningEvents(of: ids, count: slots)
                try #require(early.count == slots, "worker log:\n\(worker.log.suffix(3000))")
                var taken: [Int] = []
                for _ in 0..<40 {
                    var ready = 0
                    for queue in queues { ready += Int(try await probe.channel.inspectQueue(queue).messageCount) }
                    taken.append(total - ready)
                    try await Task.sleep(for: .milliseconds(25))
                }
                let brokerCount = try await SlotFixture.unacknowledged(user: worker.id, brokerURL: url)
                #expect(taken.allSatisfy { $0 >= slots && $0 <= bound }, "taken from the queues: \(taken)")
                #expect(brokerCount >= slots && brokerCount <= bound, "the broker counts \(brokerCount) unacknowledged")

                // Open the gates: every job ends, the worker churns through the rest; sample while it does.
                for runtime in runtimes { SlotFixture.open(base: base, id: runtime) }
                let churn = Task {
                    var seen: [Int] = []
                    while !Task.isCancelled {
                        guard let count = try? await SlotFixture.unacknowledged(user: worker.id, brokerURL: url) else { break }
                        seen.append(count)
                    }
                    return seen
                }
                let events = try await probe.jobEvents(for: ids, timeout: .seconds(180))
                churn.cancel()
                let during = await churn.value
                #expect(during.allSatisfy { $0 <= bound }, "unacknowledged while churning: \(during)")
                #expect(Set(events.filter { $0.state == .completed }.map(\.jobID)) == ids)
                // Held deliveries are run, never handed back: each job ran once, on its first delivery
                // (a job that ended silently within a flush interval announced its start with its end).
                let running = early + events.compactMap { $0.state == .running ? $0 : $0.impliedRunning }
                #expect(running.count == total)
                #expect(running.allSatisfy { $0.attempt == 1 }, "attempts: \(running.map { $0.attempt ?? 0 })")
            }
        }
    }
}
