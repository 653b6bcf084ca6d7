import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    @Suite(.timeLimit(.minutes(10))) struct RestartTests {
        /// 500 submissions; the dispatcher is SIGKILLed mid-stream and restarted: 500 jobs, none lost or doubled.
        @Test func killedAndRestartedMidStreamLosesAndDoublesNothing() async throws {
            let harness = try await DispatcherHarness(extraArguments: ["--fleet-warmup", "3s"])
            defer { harness.terminate() }
            let (language, worker) = try await harness.advertiseFakeWorker()

            // Server-named: the dispatcher replies only to direct reply-to or such a queue (ReplyAddress).
            let replies = try await harness.channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            let total = 500
            let body = try JSONCodec.encode(JobRequest(command: ["true"], runtime: "\(language):1"))
            for index in 0..<total {
                let properties = Envelope.properties(
                    type: MessageType.jobRequest, messageID: "m-\(index)",
                    correlationID: "m-\(index)", replyTo: replies)
                try await harness.channel.publish(body, exchange: "", routingKey: Topology.submitQueue, properties: properties)
            }

            var jobByMessage: [String: String] = [:]
            func drainReplies() async throws {
                while let delivery = try await harness.channel.get(queue: replies) {
                    let reply = try JSONCodec.decode(SubmitReply.self, from: delivery.body)
                    #expect(reply.status == .accepted, "\(String(describing: reply.error))")
                    if let id = delivery.properties.correlationID, let job = reply.jobID {
                        if let earlier = jobByMessage[id] { #expect(earlier == job, "message \(id) got two jobs") }
                        jobByMessage[id] = job
                    }
                    try await harness.channel.ack(delivery)
                }
            }
            // Kill it once it is well into the stream.
            while jobByMessage.count < 60 {
                try await drainReplies()
                try await Task.sleep(for: .milliseconds(20))
            }
            harness.kill(SIGKILL)
            try await harness.start()
            // The restarted dispatcher needs the fleet again before it can route.
            try await harness.advertise(worker)

            for _ in 0..<600 where jobByMessage.count < total {
                try await drainReplies()
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(jobByMessage.count == total)
            #expect(Set(jobByMessage.values).count == total)

            let jobs = try await harness.query(RPCRequest(method: .list, runtime: "\(language):1", limit: 2000)).jobs ?? []
            #expect(jobs.count == total)
            #expect(Set(jobs.map(\.jobID)) == Set(jobByMessage.values))
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
        }

        /// SIGTERM stops it cleanly (exit 0) and a restart on the same state dir still knows the job.
        @Test func gracefulStopAndRestartKeepTheStore() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let jobID = try #require(try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1")).jobID)
            harness.kill(SIGTERM)
            #expect(harness.process?.terminationStatus == 0)
            try await harness.start()
            let status = try await harness.query(RPCRequest(method: .status, jobID: jobID))
            #expect(status.job?.state == .queued)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
        }
    }
}
