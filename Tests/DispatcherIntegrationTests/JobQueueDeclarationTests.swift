import AMQP
import JobletCore
import JobletMessaging
import Testing

extension DispatcherClusterTests {
    /// Workers may not declare, bind or delete job queues: the dispatcher declares the queues each
    /// advert calls for, and no more than `max_job_queues` of them.
    @Suite struct JobQueueDeclarationTests {
        /// Whether `queue` exists, asked passively (needs no permission) on a channel of its own.
        static func exists(_ queue: String, over connection: AMQPConnection) async throws -> Bool {
            let channel = try await connection.openChannel()
            do {
                _ = try await channel.inspectQueue(queue)
                await channel.close()
                return true
            } catch let error as AMQPError where error.replyCode == 404 {
                return false
            }
        }

        /// Polls until `queue` exists (the dispatcher declares after it takes the advert).
        static func appears(_ queue: String, over connection: AMQPConnection) async throws -> Bool {
            for _ in 0..<100 {
                if try await exists(queue, over: connection) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }

        @Test func theDispatcherDeclaresTheQueuesAnAdvertCallsForAndTheWorkerCannotTouchThem() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = DispatcherHarness.uniqueLanguage()
            let (_, advert) = try await harness.advertiseFakeWorker(language: language) { advert in
                advert.networks = JobNetwork.modes
                // Not a queue name part: left out, never declared.
                advert.runtimes.append(RuntimeDescriptor(id: "\(language)-bad+id", language: language, version: "2"))
            }
            let worker = try await harness.channel(asWorker: advert.workerID).connection
            let runtimeQueue = Topology.jobQueue(runtimeID: "\(language)-1", arch: advert.arch)
            #expect(try await Self.appears(runtimeQueue, over: worker), "the dispatcher did not declare \(runtimeQueue)")
            #expect(try await Self.appears(runtimeQueue + Topology.networkSuffix, over: worker), "no +net twin for an advert offering networks")
            #expect(try await Self.exists(Topology.jobQueue(runtimeID: nil, arch: advert.arch), over: worker))
            #expect(!(try await Self.exists(Topology.jobQueue(runtimeID: "\(language)-bad+id", arch: advert.arch), over: worker)))

            // The worker user consumes the queue, but the broker refuses it everything else on it.
            let consumed = try await BrokerRefusal.of(worker) { channel in
                let consumer = try await channel.consume(queue: runtimeQueue)
                try await channel.cancel(consumerTag: consumer.consumerTag)
            }
            #expect(consumed == nil, "a worker must be able to consume its queue: \(String(describing: consumed))")
            let attempts: [(String, (AMQPChannel) async throws -> Void)] = [
                ("declare a job queue", { try await Topology.declareJobQueue(target: Topology.target(runtimeID: "\(language)-9", arch: advert.arch), on: $0) }),
                ("bind a job queue", { try await $0.bindQueue(runtimeQueue, exchange: Topology.jobsExchange, routingKey: "stolen@x86_64") }),
                ("delete a job queue", { try await $0.deleteQueue(runtimeQueue) }),
            ]
            for (what, attempt) in attempts {
                BrokerRefusal.expectAccessRefused(try await BrokerRefusal.of(worker, attempt), what)
            }
            #expect(try await Self.exists(runtimeQueue, over: worker), "the job queue is gone")
        }

        @Test func advertsDeclareAtMostMaxJobQueuesAndTheRestIsCountedAsRefused() async throws {
            let harness = try await DispatcherHarness(config: "max_job_queues: 2\n")
            defer { harness.terminate() }
            let language = DispatcherHarness.uniqueLanguage()
            let before = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
            // host + 6 runtimes = 7 targets, 2 of which at most may be declared for adverts.
            let (_, advert) = try await harness.advertiseFakeWorker(language: language) { advert in
                advert.queues = []  // consumes what its runtimes call for
                for version in 2...6 {
                    advert.runtimes.append(RuntimeDescriptor(id: "\(language)-\(version)", language: language, version: "\(version)"))
                }
            }
            let worker = try await harness.channel(asWorker: advert.workerID).connection
            var refusals: [String: Int] = [:]
            for _ in 0..<100 {
                refusals = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
                if refusals["advert", default: 0] > before["advert", default: 0] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(refusals["advert", default: 0] > before["advert", default: 0], "the advert past max_job_queues was not counted: \(refusals)")
            var declared = 0
            for version in 1...6 where try await Self.exists(Topology.jobQueue(runtimeID: "\(language)-\(version)", arch: advert.arch), over: worker) {
                declared += 1
            }
            #expect(declared <= 2, "\(declared) of the advert's runtime queues were declared with max_job_queues: 2")

            // Routing a job is decided from the fleet, not from an advert: its queue is declared past the limit.
            let reply = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):6"))
            #expect(reply.status == .accepted, "\(String(describing: reply.error))")
            #expect(try await Self.exists(Topology.jobQueue(runtimeID: "\(language)-6", arch: advert.arch), over: worker))
        }
    }
}
