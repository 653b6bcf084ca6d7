import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

/// End to end against a real broker and a real `joblet-dispatcher` process, with fake worker adverts.
extension DispatcherClusterTests {
    @Suite struct SubmissionTests {
        @Test func acceptedJobIsRoutedToItsTargetQueueAndStored() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker(version: "2.1").language

            let reply = try await harness.submit(JobRequest(command: ["echo", "hi"], runtime: "\(language):2", name: "greeting"))
            #expect(reply.status == .accepted, "\(String(describing: reply.error))")
            #expect(reply.runtimeID == "\(language)-2.1")
            #expect(reply.queue == Topology.jobQueue(runtimeID: "\(language)-2.1", arch: "x86_64"))
            let jobID = try #require(reply.jobID)

            // The job message waits in the target queue, as a worker will receive it.
            let delivery = try #require(try await harness.channel.get(queue: Topology.jobQueue(runtimeID: "\(language)-2.1", arch: "x86_64")))
            let message = try JSONCodec.decode(JobMessage.self, from: delivery.body)
            #expect(message.jobID == jobID)
            #expect(message.submitter == DispatcherTestUsers.clientName)
            #expect(message.request.command == ["echo", "hi"])
            #expect(message.maxAttempts == 2)
            #expect(delivery.properties.type == MessageType.job)
            #expect(delivery.properties.deliveryMode == .persistent)
            try await harness.channel.ack(delivery)

            let status = try await harness.query(RPCRequest(method: .status, jobID: String(jobID.prefix(10))))
            #expect(status.ok)
            #expect(status.job?.state == .queued)
            #expect(status.job?.name == "greeting")
            #expect(status.job?.runtimeID == "\(language)-2.1")
        }

        /// The dispatcher declares a target's queue once, not per job; a queue deleted since (by an operator)
        /// comes back with the next job instead of that job being refused.
        @Test func aJobQueueDeletedAfterItsFirstJobIsDeclaredAgainForTheNext() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker(version: "1.0").language
            let queue = Topology.jobQueue(runtimeID: "\(language)-1.0", arch: "x86_64")

            let first = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1"))
            #expect(first.status == .accepted, "\(String(describing: first.error))")
            try await harness.channel.deleteQueue(queue)

            let second = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1"))
            #expect(second.status == .accepted, "\(String(describing: second.error))")
            let delivery = try #require(try await harness.channel.get(queue: queue))
            #expect(try JSONCodec.decode(JobMessage.self, from: delivery.body).jobID == second.jobID)
            try await harness.channel.ack(delivery)
            try await harness.channel.deleteQueue(queue)
        }

        @Test func unknownRuntimeIsRejectedAtOnceWithWhatExists() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker(version: "20").language

            let reply = try await harness.submit(JobRequest(command: ["node"], runtime: "\(language):18"))
            #expect(reply.status == .rejected)
            #expect(reply.jobID == nil)
            #expect(reply.error?.code == "unknown_runtime")
            let message = try #require(reply.error?.message)
            #expect(message.hasPrefix("no runtime matches \(language):18; available: "))
            #expect(message.contains("\(language)-20"))

            // Memory beyond every capable worker is rejected with why.
            let big = try await harness.submit(
                JobRequest(
                    command: ["x"], runtime: "\(language):20",
                    limits: JobLimits(memory: ByteSize(bytes: 1 << 40))))
            #expect(big.status == .rejected)
            #expect(big.error?.code == "insufficient_memory")
            #expect(big.error?.message.contains("limits.memory") == true)
        }

        @Test func resubmittedMessageIDReturnsTheSameJob() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let request = JobRequest(command: ["true"], runtime: "\(language):1")
            let key = "key-" + JobID.generate()

            let first = try await harness.submit(request, messageID: key)
            let second = try await harness.submit(request, messageID: key)
            #expect(first.status == .accepted)
            #expect(first.duplicate == false)
            #expect(second.status == .accepted)
            #expect(second.duplicate == true)
            #expect(second.jobID == first.jobID)

            let jobs = try await harness.query(RPCRequest(method: .list, runtime: "\(language):1")).jobs ?? []
            #expect(jobs.count == 1)
            // Exactly one job message was routed.
            let queue = Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64")
            #expect(try await harness.channel.get(queue: queue) != nil)
            #expect(try await harness.channel.get(queue: queue) == nil)
        }

        @Test("copies of one submission that arrive at once (handled concurrently) make one job, routed once")
        func concurrentCopiesOfASubmissionMakeOneJob() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let request = JobRequest(command: ["true"], runtime: "\(language):1")
            let keys = (0..<3).map { _ in "key-" + JobID.generate() }
            let copies = 12
            let replies = try await withThrowingTaskGroup(of: (String, SubmitReply).self) { group in
                for key in keys {
                    for _ in 0..<copies { group.addTask { (key, try await harness.submit(request, messageID: key)) } }
                }
                return try await group.reduce(into: [String: [SubmitReply]]()) { $0[$1.0, default: []].append($1.1) }
            }
            for key in keys {
                let forKey = replies[key] ?? []
                #expect(forKey.count == copies && forKey.allSatisfy { $0.status == .accepted })
                #expect(Set(forKey.compactMap(\.jobID)).count == 1, "\(key): \(Set(forKey.compactMap(\.jobID)))")
                #expect(forKey.filter { $0.duplicate == false }.count == 1)
            }
            let jobs = try await harness.query(RPCRequest(method: .list, runtime: "\(language):1")).jobs ?? []
            #expect(jobs.count == keys.count)
            // One job message per key, none routed twice.
            let queue = Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64")
            var routed = 0
            while try await harness.channel.get(queue: queue) != nil { routed += 1 }
            #expect(routed == keys.count)
        }

        @Test func malformedSubmissionsAreRejectedWithFieldPathsAndTheDispatcherKeepsServing() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language

            let cases: [(body: String, expected: String)] = [
                ("{\"command\": [\"ls\"", "JSON"),
                ("{\"command\": \"ls\"}", "command"),
                ("{\"command\": []}", "command: must not be empty"),
                ("{\"command\": [\"ls\"], \"limits\": {\"memory\": \"lots\"}}", "limits.memory"),
                ("{\"command\": [\"ls\"], \"limits\": {\"cpu_percent\": 0}}", "limits.cpu_percent"),
                ("{\"command\": [\"ls\"], \"priority\": 12}", "priority"),
                ("{\"command\": [\"ls\"], \"env\": {\"1BAD\": \"x\"}}", "env.1BAD"),
                ("{\"runtime\": \"\(language):1\"}", "command"),
                ("[1, 2, 3]", ""),
            ]
            for (body, expected) in cases {
                let reply = try await harness.submit(body: Array(body.utf8), messageID: JobID.generate())
                #expect(reply.status == .rejected, "\(body)")
                #expect(reply.jobID == nil)
                #expect(reply.error?.code == "invalid_request")
                #expect(expected.isEmpty || reply.error?.message.contains(expected) == true, "\(body) -> \(reply.error?.message ?? "nil")")
            }
            // Past what a submission may be (the default 8M upload in base64, plus 1 MiB): refused by its size,
            // without the dispatcher holding it.
            let tooLarge = BodyLimits.submission(maxUpload: 8 << 20) + 1
            let oversized = try await harness.submit(body: [UInt8](repeating: 0x20, count: tooLarge), messageID: JobID.generate())
            #expect(oversized.status == .rejected)
            #expect(oversized.error?.code == "invalid_request")
            #expect(
                oversized.error?.message.contains("a message body of \(tooLarge) bytes, larger than the \(tooLarge - 1) bytes") == true,
                "\(oversized.error?.message ?? "nil")")

            let wrongType = try await harness.submit(body: Array("{\"command\":[\"ls\"]}".utf8), type: "joblet.something.v9")
            #expect(wrongType.status == .rejected)
            #expect(wrongType.error?.message.contains("joblet.something.v9") == true)

            let anonymous = try await harness.submit(body: Array("{\"command\":[\"ls\"]}".utf8), userID: nil)
            #expect(anonymous.status == .rejected)
            #expect(anonymous.error?.message.contains("set the user_id property to your broker user name") == true)

            let good = try await harness.submit(JobRequest(command: ["ls"], runtime: "\(language):1"))
            #expect(good.status == .accepted)
        }

        @Test func deadLetteredJobIsRecordedLostWithTheReason() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let reply = try await harness.submit(JobRequest(command: ["sleep", "1"], runtime: "\(language):1"))
            let jobID = try #require(reply.jobID)

            // A worker that sees the job's attempts used up dead-letters it with a reason.
            let queue = Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64")
            let delivery = try #require(try await harness.channel.get(queue: queue))
            try await harness.channel.ack(delivery)
            let worker = try await harness.channel(asWorker: DispatcherTestUsers.nextFakeWorker())
            try await worker.publish(
                delivery.body, exchange: Topology.deadLetterExchange, routingKey: queue,
                properties: Envelope.properties(
                    type: MessageType.job,
                    headers: [Topology.reasonHeader: .string("lost: its worker was lost 2 times")]))

            let record = try await harness.waitForJob(jobID) { $0.state == .lost }
            #expect(record?.state == .lost)
            #expect(record?.reason == "lost: its worker was lost 2 times")
        }

        @Test func jobNobodyPicksUpExpiresAndIsRecordedLost() async throws {
            let harness = try await DispatcherHarness(extraArguments: ["--queue-ttl", "1s"])
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker().language
            let reply = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1"))
            let jobID = try #require(reply.jobID)
            let record = try await harness.waitForJob(jobID) { $0.state == .lost }
            #expect(record?.state == .lost)
            #expect(record?.reason?.hasPrefix("expired") == true, "\(record?.reason ?? "nil")")
        }

        @Test func queuedJobWithoutLiveWorkerBecomesUnschedulable() async throws {
            let harness = try await DispatcherHarness(extraArguments: ["--unschedulable-after", "1s"])
            defer { harness.terminate() }
            let (language, advertised) = try await harness.advertiseFakeWorker()
            var worker = advertised
            let reply = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1"))
            let jobID = try #require(reply.jobID)
            worker.status = .offline
            try await harness.publishAdvert(worker, persistent: true)
            let record = try await harness.waitForJob(jobID) { $0.state == .unschedulable }
            #expect(record?.state == .unschedulable)
            #expect(record?.reason?.contains("no live worker for \(language)-1@x86_64") == true)
            _ = try await harness.channel.purgeQueue(Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64"))
        }
    }
}
