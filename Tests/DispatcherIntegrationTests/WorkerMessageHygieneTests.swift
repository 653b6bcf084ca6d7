import AMQP
import Foundation
import JobletCore
import JobletMessaging
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
    }
}
