import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension DispatcherClusterTests {
    @Suite struct NackRetryTests {
        /// A broker that nacks a job message (a quorum queue without a leader while a cluster node stops, as
        /// the fleet test's node stop shows) has the job published again, not the submission refused. Made
        /// here with a policy that keeps the job's queue full (`max-length` 1, `reject-publish`, a first job
        /// waiting in it): every publish is nacked until that job is taken.
        @Test func aJobTheBrokerNacksIsPublishedAgainOnceTheQueueTakesIt() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let target = Topology.target(runtimeID: "\(language)-1", arch: "x86_64")
            let queue = Topology.jobQueue(target: target)
            let vhost = BrokerRoles.vhostOf(harness.url)
            let policy = "nack-\(language)"
            let request = JobRequest(command: ["true"], runtime: "\(language):1")
            let first = try await harness.submit(request)
            #expect(first.status == .accepted, "\(String(describing: first.error))")
            let refuseAll = #"{"max-length":1,"overflow":"reject-publish"}"#
            #expect(
                DispatcherTestBroker.rabbitmqctl(
                    ["set_policy", "-p", vhost, "--apply-to", "queues", policy, "^\(queue)$", refuseAll], brokerURL: harness.url))
            var cleared = false
            defer { if !cleared { _ = DispatcherTestBroker.rabbitmqctl(["clear_policy", "-p", vhost, policy], brokerURL: harness.url) } }
            // The broker applies a policy to a quorum queue a moment later: probe until a publish is nacked
            // (the probes it took before wait behind the first job).
            var refusing = false
            var probesTaken = 0
            for _ in 0..<200 where !refusing {
                do {
                    try await harness.channel.publish(
                        Array("probe".utf8), exchange: Topology.jobsExchange, routingKey: target,
                        properties: BasicProperties(), mandatory: true)
                    probesTaken += 1
                    try await Task.sleep(for: .milliseconds(50))
                } catch let error as AMQPError where error.code == .nacked {
                    refusing = true
                }
            }
            #expect(refusing, "the policy never made \(queue) refuse a publish")

            async let reply = harness.submit(request)
            // The dispatcher says when the broker nacked the job; then a worker takes the first job, and
            // the queue has room again.
            var log = ""
            for _ in 0..<200 where !log.contains("the broker nacked a job message") {
                try await Task.sleep(for: .milliseconds(50))
                log = (try? String(contentsOfFile: harness.logPath, encoding: .utf8)) ?? ""
            }
            #expect(log.contains("the broker nacked a job message"), "no nack within 10 s:\n\(log)")
            // Exactly what waited before the retry: the job published again may arrive as soon as there is room.
            var taken: [String] = []
            for _ in 0...probesTaken {
                let delivery = try #require(try await harness.channel.get(queue: queue))
                if let job = try? JSONCodec.decode(JobMessage.self, from: delivery.body) { taken.append(job.jobID) }
                try await harness.channel.ack(delivery)
            }
            #expect(taken == [try #require(first.jobID)], "the job queue held \(taken) before the retry")

            let accepted = try await reply
            #expect(accepted.status == .accepted, "\(String(describing: accepted.error))")
            let jobID = try #require(accepted.jobID)
            var routed: [String] = []
            for _ in 0..<100 where routed.isEmpty {
                while let delivery = try await harness.channel.get(queue: queue) {
                    if let job = try? JSONCodec.decode(JobMessage.self, from: delivery.body) { routed.append(job.jobID) }
                    try await harness.channel.ack(delivery)
                }
                if routed.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(routed == [jobID], "the job queue holds \(routed)")
            let record = try await harness.waitForJob(jobID) { $0.state == .queued }
            #expect(record?.state == .queued)
        }
    }
}
