#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    /// The worker side of the trust boundary (docs/SECURITY.md): with the shipped broker permissions,
    /// only the dispatcher's user gets a job run or a control command obeyed.
    @Suite("trust boundary")
    struct WorkerTrustTests {
        static let hostQueue = Topology.jobQueue(runtimeID: nil, arch: Architecture.host)

        /// `joblet_worker_refused_messages_total{worker=…,kind=…}` from the worker's metrics page (nil: no such series).
        static func refusals(_ kind: String, worker: WorkerProcess, port: Int) throws -> Double? {
            let page = try HTTPGet.get(port: port, path: "/metrics")
            return PrometheusText.samples(page.body).first { key, _ in
                key.hasPrefix("joblet_worker_refused_messages_total{") && key.contains("worker=\"\(worker.id)\"")
                    && key.contains("kind=\"\(kind)\"")
            }?.value
        }

        /// Polls the metrics page until `kind` reaches `count` (or the deadline); returns the last value.
        static func waitForRefusals(_ kind: String, _ count: Double, worker: WorkerProcess, port: Int) async throws -> Double? {
            let end = ContinuousClock.now + .seconds(30)
            var value = try refusals(kind, worker: worker, port: port)
            while (value ?? 0) < count, ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(100))
                value = try refusals(kind, worker: worker, port: port)
            }
            return value
        }

        static func header(_ name: String, of delivery: Delivery) -> String? {
            guard case .string(let value)? = delivery.properties.headers?[name] else { return nil }
            return value
        }

        /// A job message that would print `marker` if it ran.
        static func forgedJob(printing marker: String) throws -> (id: String, body: [UInt8]) {
            let id = JobID.generate()
            let message = JobMessage(
                jobID: id, runtimeID: nil, request: JobRequest(command: ["sh", "-c", "echo \(marker)"]),
                submitter: BrokerProbe.submitter, submittedAt: Clock.now, maxAttempts: 2)
            return (id, try Envelope.encode(message))
        }

        /// Runs a legitimate job through the probe and returns every event and log chunk seen until it
        /// ended (so a test can also check that nothing of another job showed up meanwhile).
        static func runLegitimateJob(_ probe: BrokerProbe) async throws -> (final: JobEvent?, events: [Delivery], logs: [Delivery]) {
            let id = try await probe.submit(["sh", "-c", "echo legit"])
            let events = try await probe.collect(probe.events) { deliveries in
                deliveries.contains {
                    $0.routingKey.hasPrefix("job.\(BrokerProbe.submitter).\(id).")
                        && (try? JSONCodec.decode(JobEvent.self, from: $0.body))?.state.isTerminal == true
                }
            }
            let final = events.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }
                .first { $0.jobID == id && $0.state.isTerminal }
            let count = Int(final?.result?.logChunks ?? 0)
            let logs = try await probe.collect(probe.logs, timeout: .seconds(20)) { deliveries in
                deliveries.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == id }.count >= count
            }
            return (final, events, logs)
        }

        /// Asserts that job `id` left no trace on joblet.events and joblet.logs.
        static func expectNeverRan(_ id: String, events: [Delivery], logs: [Delivery], marker: String) {
            #expect(
                !events.contains { (try? JSONCodec.decode(JobEvent.self, from: $0.body))?.jobID == id },
                "the refused job \(id) reported events")
            #expect(!events.contains { $0.routingKey.contains(id) })
            let chunks = logs.compactMap { try? LogChunk(delivery: $0) }
            #expect(!chunks.contains { $0.jobID == id }, "the refused job \(id) wrote output")
            #expect(!chunks.contains { String(decoding: $0.data, as: UTF8.self).contains(marker) })
        }

        @Test(
            "a worker user cannot put a job message into a job queue; one from any other user that gets there is dead-lettered as refused, never run, counted; the worker still serves"
        )
        func jobFromAnotherUserIsRefused() async throws {
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            let worker = try await WorkerProcess(url: url, extra: "metrics:\n  port: 0")
            // A (compromised) worker host: no write on the default exchange, so no queue by name.
            let compromised = try await BrokerProbe.connect(as: try await TestUsers.shared.worker(url: url), name: "compromised")
            // A user the broker lets write there but the worker does not trust (dispatcher permissions).
            let attacker = try await TestUsers.shared.fixed(url: url).otherDispatcher
            let connection = try await BrokerProbe.connect(as: attacker, name: "attacker")
            try await withCleanup {
                await connection.close(); await compromised.close(); await worker.stop(); await probe.close()
            } do: {
                // The refusal must land on this worker for its counter to show it.
                try #require(try await probe.waitUntilSoleHostConsumer(worker.id), "worker log:\n\(worker.log.suffix(3000))")
                let port = try #require(worker.metricsPort, "the worker logged no metrics address:\n\(worker.log)")

                let marker = "forged-\(JobID.generate().prefix(8))"
                let forged = try Self.forgedJob(printing: marker)
                let messageID = "forged-\(forged.id)"
                let refused = try await compromised.openChannel()
                try await refused.enableConfirms()
                let denial = await #expect(throws: AMQPError.self) {
                    try await refused.publish(
                        forged.body, exchange: "", routingKey: Self.hostQueue,
                        properties: Envelope.properties(type: MessageType.job, messageID: messageID))
                    // A publish is asynchronous: a passive check surfaces the channel's close.
                    try await refused.checkExchange(Topology.eventsExchange)
                }
                #expect(denial?.replyCode == 403, "\(String(describing: denial))")

                let channel = try await connection.openChannel()
                try await channel.enableConfirms()
                try await channel.publish(
                    forged.body, exchange: "", routingKey: Self.hostQueue,
                    properties: Envelope.properties(type: MessageType.job, messageID: messageID))

                let dead = try await probe.collect(probe.dead) { $0.contains { $0.properties.messageID == messageID } }
                let letter = try #require(dead.first { $0.properties.messageID == messageID }, "the forged job was not dead-lettered")
                let reason = try #require(Self.header(Topology.reasonHeader, of: letter))
                #expect(reason.hasPrefix("refused:"), "\(reason)")
                #expect(reason.contains("'\(attacker.name)'"), "\(reason)")
                #expect(Self.header(Topology.refusedHeader, of: letter) == attacker.name)

                // Still online, still serving the dispatcher's jobs; the forged one left no trace.
                let legit = try await Self.runLegitimateJob(probe)
                #expect(legit.final?.state == .completed)
                #expect(legit.final?.workerID == worker.id)
                #expect(worker.process.isRunning)
                Self.expectNeverRan(forged.id, events: legit.events, logs: legit.logs, marker: marker)

                #expect(try await Self.waitForRefusals("job", 1, worker: worker, port: port) == 1)
                #expect(try Self.refusals("control", worker: worker, port: port) ?? 0 == 0)
                #expect(worker.log.contains(attacker.name), "the refusal was not logged with its sender")
            }
        }

        @Test("a job message without user_id (even over the dispatcher's own login) is refused and never run")
        func jobWithoutUserIDIsRefused() async throws {
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            let worker = try await WorkerProcess(url: url)
            let anonymous = try await BrokerProbe.connect(as: probe.users.dispatcher, name: "no-user-id", identify: false)
            try await withCleanup {
                await anonymous.close(); await worker.stop(); await probe.close()
            } do: {
                _ = try #require(try await probe.advert(of: worker.id) { $0.queues.contains(Self.hostQueue) })

                let channel = try await anonymous.openChannel()
                try await channel.enableConfirms()
                let marker = "anonymous-\(JobID.generate().prefix(8))"
                let forged = try Self.forgedJob(printing: marker)
                let messageID = "anonymous-\(forged.id)"
                var properties = Envelope.properties(type: MessageType.job, messageID: messageID)
                properties.userID = nil
                try await channel.publish(
                    forged.body, exchange: Topology.jobsExchange,
                    routingKey: Topology.target(runtimeID: nil, arch: Architecture.host), properties: properties)

                let dead = try await probe.collect(probe.dead) { $0.contains { $0.properties.messageID == messageID } }
                let letter = try #require(dead.first { $0.properties.messageID == messageID }, "the message without user_id was not dead-lettered")
                let reason = try #require(Self.header(Topology.reasonHeader, of: letter))
                #expect(reason.hasPrefix("refused: job message published by ''"), "\(reason)")
                #expect(Self.header(Topology.refusedHeader, of: letter) == "")

                let legit = try await Self.runLegitimateJob(probe)
                #expect(legit.final?.state == .completed)
                #expect(worker.process.isRunning)
                Self.expectNeverRan(forged.id, events: legit.events, logs: legit.logs, marker: marker)
            }
        }

        @Test("control commands: a submitter is refused by the broker, another dispatcher-role user is ignored (counted), the dispatcher is obeyed")
        func controlOnlyFromTheDispatcher() async throws {
            let url = try await TestBroker.shared()
            let probe = try await BrokerProbe(url: url)
            let worker = try await WorkerProcess(url: url, extra: "metrics:\n  port: 0")
            let submitter = try await BrokerProbe.connect(as: probe.users.submitter, name: "submitter")
            let rogue = try await BrokerProbe.connect(as: probe.users.otherDispatcher, name: "rogue-dispatcher")
            try await withCleanup {
                await submitter.close(); await rogue.close(); await worker.stop(); await probe.close()
            } do: {
                try #require(try await probe.waitUntilSoleHostConsumer(worker.id), "worker log:\n\(worker.log.suffix(3000))")
                let port = try #require(worker.metricsPort, "the worker logged no metrics address:\n\(worker.log)")
                let workerKey = Topology.controlRoutingKey(workerID: worker.id)

                let id = try await probe.submit(["sleep", "60"])
                var runningOn: String?
                _ = try await probe.collect(probe.events) { deliveries in
                    runningOn =
                        deliveries.compactMap { try? JSONCodec.decode(JobEvent.self, from: $0.body) }
                        .first { $0.jobID == id && $0.state == .running }?.workerID
                    return runningOn != nil
                }
                try #require(runningOn == worker.id)

                // A submitter may not publish on joblet.control at all: the broker closes its channel (403).
                let submitterChannel = try await submitter.openChannel()
                try await submitterChannel.enableConfirms()
                await #expect(
                    performing: {
                        try await submitterChannel.publish(
                            Envelope.encode(ControlCommand(command: .cancel, jobID: id)),
                            exchange: Topology.controlExchange, routingKey: workerKey,
                            properties: Envelope.properties(type: MessageType.control, persistent: false))
                    }, throws: { ($0 as? AMQPError)?.replyCode == 403 })

                // A user with the broker's dispatcher permissions that this worker does not trust: delivered, ignored.
                let rogueChannel = try await rogue.openChannel()
                try await rogueChannel.enableConfirms()
                for command in [ControlCommand(command: .cancel, jobID: id), ControlCommand(command: .drain)] {
                    try await rogueChannel.publish(
                        Envelope.encode(command), exchange: Topology.controlExchange, routingKey: workerKey,
                        properties: Envelope.properties(type: MessageType.control, persistent: false))
                }
                #expect(try await Self.waitForRefusals("control", 2, worker: worker, port: port) == 2)
                let afterRefusals = Clock.now
                let advertKey = Topology.advertRoutingKey(workerID: worker.id)
                var latest: WorkerAdvert?
                let meanwhile = try await probe.collect(probe.events, timeout: .seconds(30)) { deliveries in
                    latest =
                        deliveries.filter { $0.routingKey == advertKey }
                        .compactMap { try? JSONCodec.decode(WorkerAdvert.self, from: $0.body) }.last
                    return (latest?.time ?? 0) > afterRefusals
                }
                let advert = try #require(latest, "no advert after the refused commands")
                #expect(advert.status == .online)
                #expect(advert.runningJobs.contains(id))
                #expect(
                    !meanwhile.contains { $0.routingKey.hasPrefix("job.\(BrokerProbe.submitter).\(id).") },
                    "the job changed state on a refused cancel")
                #expect(!meanwhile.contains { $0.routingKey == advertKey && String(decoding: $0.body, as: UTF8.self).contains("\"draining\"") })
                #expect(worker.log.contains(probe.users.otherDispatcher.name), "the refusal was not logged with its sender")

                // The same commands from the dispatcher's user work.
                try await probe.control(ControlCommand(command: .cancel, jobID: id), workerID: worker.id)
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(30))
                #expect(events.first { $0.state.isTerminal }?.state == .cancelled)
                try await probe.control(ControlCommand(command: .drain), workerID: worker.id)
                #expect(try await probe.advert(of: worker.id, timeout: .seconds(30)) { $0.status == .draining } != nil)

                #expect(try Self.refusals("control", worker: worker, port: port) == 2)
                #expect(try Self.refusals("job", worker: worker, port: port) ?? 0 == 0)
            }
        }

        @Test("a worker started with --id other than its broker user exits with an error naming both")
        func idMustBeTheBrokerUser() async throws {
            let url = try await TestBroker.shared()
            let impostor = "joblet-worker-impostor-\(getpid())"
            let worker = try await WorkerProcess(url: url, arguments: ["--id", impostor])
            await withCleanup {
                await worker.stop()
            } do: {
                let status = await worker.waitForExit(timeout: .seconds(30))
                #expect(status != nil && status != 0, "the worker kept running:\n\(worker.log)")
                #expect(worker.log.contains(impostor) && worker.log.contains(worker.id), "\(worker.log)")
            }
        }
    }
}
