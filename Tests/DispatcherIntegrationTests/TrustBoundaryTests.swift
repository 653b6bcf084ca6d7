import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// The attacks of issue 11, each tried with the shipped role permissions on a real broker: refused
    /// by the broker (403 closes the channel) or ignored by the dispatcher with the refusal counted,
    /// while the real job, its result, its logs and the fleet stay intact.
    @Suite struct TrustBoundaryTests {
        func event(_ jobID: String, _ state: JobState, submitter: String, worker: String, result: JobResult? = nil)
            throws -> (body: [UInt8], key: String, properties: BasicProperties)
        {
            let event = JobEvent(jobID: jobID, state: state, time: Clock.now, workerID: worker, attempt: 1, result: result)
            return (
                try JSONCodec.encode(event), Topology.eventRoutingKey(submitter: submitter, jobID: jobID, state: state),
                Envelope.properties(type: MessageType.jobEvent)
            )
        }

        func result(worker: String, exitCode: Int32, chunks: UInt64) -> JobResult {
            JobResult(exitCode: exitCode, startedAt: Clock.now - 1, finishedAt: Clock.now, workerID: worker, attempt: 1, logChunks: chunks)
        }

        /// A submitter can reach nothing but `joblet.api` and its own jobs' events and logs.
        @Test func aSubmitterIsRefusedByTheBrokerEverywhereElse() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let tag = JobID.short(JobID.generate())
            let (language, worker) = try await harness.advertiseFakeWorker()
            let alice = try await BrokerUserClient(user: "alice-" + tag, harness: harness)
            let mallory = try await BrokerUserClient(user: "mallory-" + tag, harness: harness)
            let jobID = try #require(try await alice.submit(JobRequest(command: ["true"], runtime: "\(language):1")).jobID)
            let queue = Topology.jobQueue(runtimeID: "\(language)-1", arch: "x86_64")
            let forged = try event(
                jobID, .completed, submitter: alice.user, worker: "evil",
                result: result(worker: "evil", exitCode: 0, chunks: 0))
            let job = try JSONCodec.encode(
                JobMessage(
                    jobID: JobID.generate(), runtimeID: nil, request: JobRequest(command: ["true"]),
                    submitter: mallory.user, submittedAt: Clock.now))
            let c = mallory.connection

            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(forged.body, exchange: Topology.eventsExchange, routingKey: forged.key, properties: forged.properties)
                },
                "a forged completed event")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(
                        forged.body, exchange: Topology.eventsExchange,
                        routingKey: Topology.recordedRoutingKey(submitter: alice.user, jobID: jobID, state: .completed),
                        properties: forged.properties)
                },
                "a forged recorded end")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(
                        Array("x".utf8), exchange: Topology.logsExchange,
                        routingKey: Topology.logRoutingKey(submitter: alice.user, jobID: jobID, stream: "stdout"))
                },
                "a forged log chunk")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) { try await $0.publish(job, exchange: Topology.deadLetterExchange, routingKey: "") },
                "a forged dead letter")
            BrokerRefusal.expectAccessRefused(try await BrokerRefusal.of(c) { _ = try await $0.consume(queue: queue) }, "consuming a job queue")
            BrokerRefusal.expectAccessRefused(try await BrokerRefusal.of(c) { _ = try await $0.get(queue: queue) }, "reading a job queue")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) { try await $0.publish(job, exchange: "", routingKey: queue) },
                "a job message straight to a job queue")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) { try await $0.publish(job, exchange: Topology.jobsExchange, routingKey: "host@x86_64") },
                "a job message on joblet.jobs")
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) { try await $0.publish(job, exchange: "", routingKey: "joblet.dispatcher.events") },
                "a message into the dispatcher's own queue")
            let drain = try JSONCodec.encode(ControlCommand(command: .drain))
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(drain, exchange: Topology.controlExchange, routingKey: Topology.controlRoutingKey(workerID: nil))
                },
                "drain on joblet.control")
            var offline = worker
            offline.status = .offline
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(
                        try JSONCodec.encode(offline), exchange: Topology.eventsExchange,
                        routingKey: Topology.advertRoutingKey(workerID: worker.workerID))
                }, "a fake offline advert")
            // A fake 1 TiB worker would make the dispatcher accept a 500G job.
            let huge = DispatcherHarness.fakeWorker(runtimeID: "\(language)-1", language: language, version: "1", memoryTotal: 1 << 40)
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(c) {
                    try await $0.publish(
                        try JSONCodec.encode(huge), exchange: Topology.eventsExchange,
                        routingKey: Topology.advertRoutingKey(workerID: huge.workerID))
                }, "a fake 1 TiB worker")
            let big = try await mallory.submit(
                JobRequest(
                    command: ["true"], runtime: "\(language):1",
                    limits: JobLimits(memory: try ByteSize(parsing: "500G"))))
            #expect(big.error?.code == "insufficient_memory", "\(String(describing: big.error))")
            // Following somebody else's job (its events or its recorded end), or everybody's.
            for key in [
                Topology.eventFollowKey(submitter: alice.user, jobID: jobID), Topology.recordedFollowKey(submitter: alice.user, jobID: jobID),
                "job.#", "recorded.#", "#",
            ] {
                BrokerRefusal.expectAccessRefused(
                    try await BrokerRefusal.of(c) { channel in
                        let own = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
                        try await channel.bindQueue(own, exchange: Topology.eventsExchange, routingKey: key)
                    }, "binding \(key)")
            }
            // Its own jobs it may follow.
            for key in [Topology.eventFollowAllKey(submitter: mallory.user), Topology.recordedFollowAllKey(submitter: mallory.user)] {
                #expect(
                    try await BrokerRefusal.of(c) { channel in
                        let own = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
                        try await channel.bindQueue(own, exchange: Topology.eventsExchange, routingKey: key)
                    } == nil, "binding \(key)")
            }

            // And the dispatcher shows it nothing of alice's job: exactly as if it did not exist.
            #expect(try await mallory.query(RPCRequest(method: .status, jobID: jobID)).error?.code == "not_found")
            #expect(try await mallory.query(RPCRequest(method: .logs, jobID: jobID)).error?.code == "not_found")
            #expect(try await mallory.query(RPCRequest(method: .cancel, jobID: jobID)).error?.code == "not_found")
            #expect(try await mallory.query(RPCRequest(method: .list)).jobs?.isEmpty == true)
            #expect(try await mallory.query(RPCRequest(method: .list, submitter: alice.user)).jobs?.isEmpty == true)
            #expect(try await mallory.query(RPCRequest(method: .drain, worker: worker.workerID)).error?.code == "forbidden")
            // The fleet and the job are intact.
            #expect(try await harness.query(RPCRequest(method: .workers)).workers?.contains { $0.workerID == worker.workerID } == true)
            #expect(try await alice.query(RPCRequest(method: .status, jobID: jobID)).job?.state == .queued)
            _ = try await harness.channel.purgeQueue(queue)
            await alice.close()
            await mallory.close()
        }

        /// The dispatcher may write to every joblet queue: a `reply_to` naming one (here a queue the test
        /// made, which a submitter may not write) must not make it deliver a reply there for the sender.
        @Test func aReplyToThatIsNotTheSendersIsRefused() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, _) = try await harness.advertiseFakeWorker()
            let tag = JobID.short(JobID.generate())
            let mallory = try await BrokerUserClient(user: "mallory-" + tag, harness: harness)
            let target = "joblet.t.target-" + tag
            try await harness.channel.declareQueue(target, durable: false, exclusive: false, autoDelete: false)
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(mallory.connection) { try await $0.publish(Array("x".utf8), exchange: "", routingKey: target) },
                "writing into the target herself")

            let channel = try await mallory.connection.openChannel()
            try await channel.enableConfirms()
            let own = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            func send(_ key: String, _ type: String, _ body: [UInt8], replyTo: String) async throws {
                var properties = Envelope.properties(type: type, messageID: JobID.generate(), correlationID: key, replyTo: replyTo)
                properties.userID = mallory.user
                try await channel.publish(body, exchange: Topology.apiExchange, routingKey: key, properties: properties)
            }
            let submission = try JSONCodec.encode(JobRequest(command: ["true"], runtime: "\(language):1"))
            let list = try JSONCodec.encode(RPCRequest(method: .list))
            try await send(Topology.submitRoutingKey, MessageType.jobRequest, submission, replyTo: target)
            try await send(Topology.rpcRoutingKey, MessageType.rpcRequest, list, replyTo: target)
            // A server-named queue of the sender's own is answered.
            try await send(Topology.rpcRoutingKey, MessageType.rpcRequest, list, replyTo: own)

            var answer: Delivery?
            var reasons: [String] = []
            for _ in 0..<200 where answer == nil || reasons.count < 2 {
                if answer == nil { answer = try await channel.get(queue: own) }
                if let dead = try await harness.channel.get(queue: Topology.deadLetterQueue),
                    case .string(mallory.user)? = dead.properties.headers?["x-joblet-original-user-id"],
                    case .string(let reason)? = dead.properties.headers?[Topology.reasonHeader]
                {
                    reasons.append(reason)
                    continue
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let answered = try JSONCodec.decode(RPCResponse.self, from: try #require(answer).body)
            #expect(answered.jobs?.isEmpty == true, "no job was made of the refused submission")
            #expect(reasons.count == 2)
            let expected = "reply_to \"\(target)\" is not an address of yours: use direct reply-to (amq.rabbitmq.reply-to) or a server-named queue (amq.gen-…)"
            #expect(reasons.allSatisfy { $0 == expected }, "\(reasons)")
            #expect(try await harness.channel.get(queue: target) == nil, "nothing was delivered into the target")
            let counts = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
            #expect(counts["submission"] == 1 && counts["rpc"] == 1, "\(counts)")
            try await harness.channel.deleteQueue(target)
            await mallory.close()
        }

        /// A compromised worker's credentials cannot report on another worker's job, replace its logs,
        /// fake other workers' adverts or mark it lost; its attempts are counted.
        @Test func aCompromisedWorkerCannotSpeakForAnotherWorkersJob() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (language, honest) = try await harness.advertiseFakeWorker()
            let evil = DispatcherHarness.fakeWorker(runtimeID: "\(language)-1", language: language, version: "1", memoryTotal: 1 << 40)
            let submitter = DispatcherTestUsers.clientName
            let jobID = try #require(try await harness.submit(JobRequest(command: ["sh", "-c", "exit 7"], runtime: "\(language):1")).jobID)
            let honestChannel = try await harness.channel(asWorker: honest.workerID)
            let evilChannel = try await harness.channel(asWorker: evil.workerID)

            // A follower of the job's recorded end, bound as rnx binds it: only the dispatcher publishes there.
            let follower = try await harness.connection.openChannel()
            let followQueue = try await follower.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            try await follower.bindQueue(
                followQueue, exchange: Topology.eventsExchange, routingKey: Topology.recordedFollowKey(submitter: submitter, jobID: jobID))

            let running = try event(jobID, .running, submitter: submitter, worker: honest.workerID)
            try await honestChannel.publish(running.body, exchange: Topology.eventsExchange, routingKey: running.key, properties: running.properties)
            #expect(try await harness.waitForJob(jobID) { $0.state == .running }?.workerID == honest.workerID)

            // Forgeries: a result in its own name and one in the honest worker's name, a log chunk with
            // the seq of the real one, an advert taking the honest worker offline, a lost dead letter.
            let ownName = try event(
                jobID, .completed, submitter: submitter, worker: evil.workerID,
                result: result(worker: evil.workerID, exitCode: 0, chunks: 1))
            let otherName = try event(
                jobID, .completed, submitter: submitter, worker: honest.workerID,
                result: result(worker: honest.workerID, exitCode: 0, chunks: 1))
            for forged in [ownName, otherName] {
                try await evilChannel.publish(forged.body, exchange: Topology.eventsExchange, routingKey: forged.key, properties: forged.properties)
            }
            let fakeChunk = LogChunk(jobID: jobID, seq: 0, stream: "stdout", data: Array("forged\n".utf8))
            try await evilChannel.publish(
                fakeChunk.data, exchange: Topology.logsExchange,
                routingKey: fakeChunk.routingKey(submitter: submitter), properties: fakeChunk.amqpProperties)
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(evilChannel.connection) {
                    try await $0.publish(
                        ownName.body, exchange: Topology.eventsExchange,
                        routingKey: Topology.recordedRoutingKey(submitter: submitter, jobID: jobID, state: .completed),
                        properties: ownName.properties)
                }, "a forged recorded end")
            var offline = honest
            offline.status = .offline
            // Its topic permission allows adverts only under its own id: the broker refuses this one …
            BrokerRefusal.expectAccessRefused(
                try await BrokerRefusal.of(evilChannel.connection) {
                    try await $0.publish(
                        try JSONCodec.encode(offline), exchange: Topology.eventsExchange,
                        routingKey: Topology.advertRoutingKey(workerID: honest.workerID))
                }, "an advert under another worker's id")
            // … and one under its own routing key but naming the honest worker is ignored.
            try await evilChannel.publish(
                try JSONCodec.encode(offline), exchange: Topology.eventsExchange,
                routingKey: Topology.advertRoutingKey(workerID: evil.workerID),
                properties: Envelope.properties(type: MessageType.workerAdvert, persistent: false))
            let lost = try JSONCodec.encode(
                JobMessage(
                    jobID: jobID, runtimeID: "\(language)-1", request: JobRequest(command: ["true"]),
                    submitter: submitter, submittedAt: Clock.now))
            try await evilChannel.publish(
                lost, exchange: Topology.deadLetterExchange, routingKey: "",
                properties: Envelope.properties(
                    type: MessageType.job,
                    headers: [
                        Topology.reasonHeader: .string("refused: forged"), Topology.refusedHeader: .string("x"),
                    ]))
            // The operator has broad broker permissions but is not the dispatcher: not believed either.
            try await harness.channel.publish(
                lost, exchange: Topology.deadLetterExchange, routingKey: "",
                properties: Envelope.properties(type: MessageType.job))

            // The real output and result.
            let realChunk = LogChunk(jobID: jobID, seq: 0, stream: "stdout", data: Array("real\n".utf8))
            try await honestChannel.publish(
                realChunk.data, exchange: Topology.logsExchange,
                routingKey: realChunk.routingKey(submitter: submitter), properties: realChunk.amqpProperties)
            let real = try event(
                jobID, .failed, submitter: submitter, worker: honest.workerID,
                result: result(worker: honest.workerID, exitCode: 7, chunks: 1))
            try await honestChannel.publish(real.body, exchange: Topology.eventsExchange, routingKey: real.key, properties: real.properties)

            let record = try await harness.waitForJob(jobID) { $0.state.isTerminal }
            #expect(record?.state == .failed)
            #expect(record?.exitCode == 7)
            #expect(record?.workerID == honest.workerID)
            // The follower heard the end once, as recorded: the honest worker's, not a forgery.
            var recorded: [JobEvent] = []
            for _ in 0..<100 where recorded.isEmpty {
                if let delivery = try await follower.get(queue: followQueue) {
                    #expect(delivery.routingKey == Topology.recordedRoutingKey(submitter: submitter, jobID: jobID, state: .failed))
                    recorded.append(try Envelope.decode(JobEvent.self, from: delivery, expectedType: MessageType.jobEvent))
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(recorded.map(\.state) == [.failed])
            #expect(recorded.first?.result?.exitCode == 7)
            #expect(recorded.first?.workerID == honest.workerID)
            #expect(try await follower.get(queue: followQueue) == nil)
            let logs = try await harness.query(RPCRequest(method: .logs, jobID: jobID))
            #expect(logs.logs?.map(\.data) == [Array("real\n".utf8)])
            #expect(logs.complete == true)
            #expect(try await harness.query(RPCRequest(method: .workers)).workers?.contains { $0.workerID == honest.workerID } == true)
            // A worker user may not submit either.
            let evilSubmits = try await BrokerUserClient.submitting(as: evil.workerID, over: evilChannel.connection)
            #expect(evilSubmits == nil, "worker users have no write permission on joblet.api")

            var counts: [String: Int] = [:]
            for _ in 0..<100 {
                counts = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
                if counts["event", default: 0] >= 2, counts["advert", default: 0] >= 1, counts["dead_letter", default: 0] >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(counts["event"] == 2, "\(counts)")
            #expect(counts["advert"] == 1, "\(counts)")
            #expect(counts["dead_letter"] == 2, "\(counts)")
            // Stats are for readers and admins only.
            let tag = JobID.short(JobID.generate())
            let carol = try await BrokerUserClient(user: "carol-" + tag, harness: harness)
            #expect(try await carol.query(RPCRequest(method: .stats)).error?.code == "forbidden")
            await carol.close()
        }

        /// Drain and resume are admin requests to the dispatcher, which alone commands workers.
        @Test func onlyAdminsDrainAndResumeWorkersThroughTheDispatcher() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let (_, worker) = try await harness.advertiseFakeWorker()
            let control = try await harness.controlQueue(workerID: worker.workerID)

            let drained = try await harness.query(RPCRequest(method: .drain, worker: worker.workerID))
            #expect(drained.ok, "\(String(describing: drained.error))")
            #expect(drained.workers?.map(\.workerID) == [worker.workerID])
            let delivery = try #require(try await harness.nextDelivery(on: control))
            #expect(try JSONCodec.decode(ControlCommand.self, from: delivery.body) == ControlCommand(command: .drain))
            #expect(delivery.properties.userID == harness.users.dispatcher.name)
            #expect(try await harness.query(RPCRequest(method: .resume, worker: "nobody")).error?.code == "not_found")
            #expect(try await harness.query(RPCRequest(method: .resume, worker: worker.workerID)).ok)
        }
    }
}

extension BrokerUserClient {
    /// Tries a submission on `joblet.api` over `connection`; nil when the broker refused it.
    static func submitting(as user: String, over connection: AMQPConnection) async throws -> SubmitReply? {
        let rpc = try await RPCClient(connection: connection)
        var properties = Envelope.properties(type: MessageType.jobRequest, messageID: JobID.generate())
        properties.userID = user
        do {
            let reply = try await rpc.call(
                exchange: Topology.apiExchange, routingKey: Topology.submitRoutingKey,
                body: try JSONCodec.encode(JobRequest(command: ["true"])), properties: properties,
                timeout: .seconds(5))
            return try JSONCodec.decode(SubmitReply.self, from: reply.body)
        } catch is AMQPError {
            return nil
        }
    }
}
