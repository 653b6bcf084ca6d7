import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension DispatcherClusterTests {
    /// What only workers send (adverts, log chunks) is hostile input even from a worker user: a
    /// malformed one is acked and ignored, not counted as a refusal (the sender is a worker), and
    /// the dispatcher goes on reading that worker's next messages.
    @Suite struct WorkerMessageHygieneTests {
        @Test func malformedAdvertsAndLogChunksFromAWorkerAreIgnoredAndTheNextAdvertCounts() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            var (_, advert) = try await harness.advertiseFakeWorker()
            let channel = try await harness.channel(asWorker: advert.workerID)
            let before = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]

            // An advert that is not JSON, one that is JSON but no advert, and a log chunk without its headers.
            for body in [Array("not json {".utf8), Array("{\"worker_id\": 42}".utf8)] {
                try await channel.publish(
                    body, exchange: Topology.eventsExchange, routingKey: Topology.advertRoutingKey(workerID: advert.workerID),
                    properties: Envelope.properties(type: MessageType.workerAdvert))
            }
            try await channel.publish(
                Array("output".utf8), exchange: Topology.logsExchange,
                routingKey: Topology.logRoutingKey(submitter: "nobody", jobID: JobID.generate(), stream: "stdout"))

            // Published after them on the same channel, so handled after them.
            advert.slotsFree = 1
            advert.time = Clock.now
            try await harness.publishAdvert(advert)
            var listed: WorkerAdvert?
            for _ in 0..<100 {
                listed = try await harness.query(RPCRequest(method: .workers)).workers?.first { $0.workerID == advert.workerID }
                if listed?.slotsFree == 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(listed?.slotsFree == 1, "the advert after the malformed ones was not taken: \(String(describing: listed))")
            let after = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
            #expect(after["advert", default: 0] == before["advert", default: 0], "\(after)")
            #expect(after["log", default: 0] == before["log", default: 0], "\(after)")
            // Each was settled once: none went back to its queue to come round again.
            var log = ""
            for _ in 0..<100 {
                log = (try? String(contentsOfFile: harness.logPath, encoding: .utf8)) ?? ""
                if log.components(separatedBy: "malformed worker advert ignored").count == 3, log.contains("malformed log chunk ignored") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(log.components(separatedBy: "malformed worker advert ignored").count == 3, "\(log.suffix(3000))")
            #expect(log.components(separatedBy: "malformed log chunk ignored").count == 2, "\(log.suffix(3000))")
            #expect(!log.contains("cannot handle delivery"), "\(log.suffix(3000))")
        }

        /// A worker user publishing messages far past what the dispatcher's queues take: each is dropped as
        /// it arrives (the dispatcher does not grow by it), the event is dead-lettered and the chunk ignored
        /// with the size in the reason, and the worker's next advert still counts.
        @Test func oversizedEventsAndLogChunksAreDroppedAsTheyArriveWithTheReason() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            var (_, advert) = try await harness.advertiseFakeWorker()
            let channel = try await harness.channel(asWorker: advert.workerID)
            let pid = try #require(harness.process?.processIdentifier)
            let before = try #require(ResidentMemory.current(pid: pid))
            let memory = ResidentMemory(pid: pid)
            memory.start()

            let jobID = JobID.generate()
            try await channel.publish(
                [UInt8](repeating: 0x20, count: 1 << 20), exchange: Topology.eventsExchange,
                routingKey: Topology.eventRoutingKey(submitter: "nobody", jobID: jobID, state: .completed),
                properties: Envelope.properties(type: MessageType.jobEvent))
            let chunk = LogChunk(jobID: jobID, seq: 0, stream: "stdout", data: [UInt8](repeating: 0x41, count: 24 << 20))
            try await channel.publish(
                chunk.data, exchange: Topology.logsExchange, routingKey: chunk.routingKey(submitter: "nobody"), properties: chunk.amqpProperties)

            advert.slotsFree = 1
            advert.time = Clock.now
            try await harness.publishAdvert(advert)
            var log = ""
            for _ in 0..<200 {
                log = (try? String(contentsOfFile: harness.logPath, encoding: .utf8)) ?? ""
                if log.contains("malformed job event dead-lettered"), log.contains("malformed log chunk ignored") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let peak = await memory.stop().peakBytes
            #expect(log.contains("a message body of \(1 << 20) bytes, larger than the \(BodyLimits.event) bytes"), "\(log.suffix(3000))")
            #expect(log.contains("a message body of \(24 << 20) bytes, larger than the \(BodyLimits.logChunk) bytes"), "\(log.suffix(3000))")
            #expect(!log.contains("cannot handle delivery"), "\(log.suffix(3000))")
            let listed = try await harness.query(RPCRequest(method: .workers)).workers?.first { $0.workerID == advert.workerID }
            #expect(listed?.slotsFree == 1, "the advert after the oversized messages was not taken: \(String(describing: listed))")
            // Kept, the 24 MiB chunk would be in memory at least once, and its frames' pages would stay.
            #expect(peak - before < 12 << 20, "dispatcher RSS \(before >> 20) -> \(peak >> 20) MiB")
        }
    }
}
