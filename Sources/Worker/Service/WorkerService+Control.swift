import AMQP
import Isolation
import JobletCore
import JobletMessaging
import Logging

extension WorkerService {
    /// Consumes `worker.<id>` and `worker.all` on `joblet.control` through an exclusive auto-delete queue
    /// named after the worker, so the AMQP library can re-declare it after a reconnect (a server-named
    /// queue could not be). Should the channel still die (e.g. the broker has not yet dropped the old
    /// connection's exclusive queue), it listens again on a fresh channel with backoff.
    /// `first` is the consumer bound at start-up, before the first advert: a worker that advertises
    /// is ready for commands, so a command sent on the strength of an advert is never unroutable.
    func controlLoop(_ session: Session, first: AMQPConsumer) async {
        var channel = session.controlChannel
        var pending: AMQPConsumer? = first
        var delay = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                let consumer: AMQPConsumer
                if let bound = pending {
                    consumer = bound
                    pending = nil
                } else {
                    consumer = try await listenForControl(on: channel)
                }
                delay = .milliseconds(200)
                // Commands run concurrently: a slow runtime_test never delays a cancel.
                try await withThrowingDiscardingTaskGroup { group in
                    for try await delivery in consumer {
                        // Commands are not retried, so settle at once.
                        try? await channel.ack(delivery)
                        group.addTask { await self.handleControl(delivery, session) }
                    }
                }
                return  // cancelled or the connection closed for good
            } catch {
                logger.warning("control consumer ended; listening again", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(10))
            await channel.close()
            do {
                channel = try await session.connection.openChannel()
            } catch {
                logger.warning("cannot open a control channel", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The worker's control queue, `joblet.control.worker.<id>`, bound to its two routing keys.
    func listenForControl(on channel: AMQPChannel) async throws -> AMQPConsumer {
        let queue = Topology.controlQueue(workerID: config.workerID)
        try await channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        for key in [Topology.controlRoutingKey(workerID: config.workerID), Topology.controlRoutingKey(workerID: nil)] {
            try await channel.bindQueue(queue, exchange: Topology.controlExchange, routingKey: key)
        }
        return try await channel.consume(queue: queue, exclusive: true, bodyLimit: BodyLimits.small)
    }

    func handleControl(_ delivery: Delivery, _ session: Session) async {
        let sender = delivery.properties.userID
        guard config.trust.role(of: sender) == .dispatcher else {
            refusals.refuse("control", sender: sender, reason: "control commands are obeyed only from the dispatcher (dispatcher_users)")
            return
        }
        let command: ControlCommand
        do {
            command = try Envelope.decode(ControlCommand.self, from: delivery, expectedType: MessageType.control)
        } catch {
            logger.warning("ignoring malformed control command", metadata: ["error": "\(error)"])
            return
        }
        logger.info("control command", metadata: ["command": "\(command.command.rawValue)", "job": "\(command.jobID ?? "-")"])
        switch command.command {
        case .cancel:
            guard let jobID = command.jobID else { return }
            await state.handle(jobID)?.stop(.cancelled)
        case .drain:
            await state.setMode(.draining)
            session.reconcileSink.yield()
            await publishAdvert(session)
        case .resume:
            await state.setMode(.online)
            session.reconcileSink.yield()
            await publishAdvert(session)
        case .rescan:
            if inventory.rescan(force: true) { session.reconcileSink.yield() }
            await publishAdvert(session)
        case .volumeRemove:
            await removeVolume(command)
        case .runtimeDeploy, .runtimeRemove:
            let correlation = delivery.properties.correlationID
            if command.command == .runtimeDeploy {
                await deployRuntime(command, correlationID: correlation, session)
            } else {
                await removeRuntime(command, correlationID: correlation, session)
            }
        case .runtimeTest:
            guard let runtimeID = command.runtime, let runtime = inventory.runtime(id: runtimeID) else { return }
            let report = await runtimeTestReport(runtime)
            do {
                try await publishReport(
                    Envelope.encode(report), type: MessageType.runtimeTestReport,
                    correlationID: delivery.properties.correlationID, session)
            } catch {
                logger.warning("cannot report a runtime test", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A report on a runtime command, to the dispatcher (`worker.<id>.report` on `joblet.events`), which
    /// passes it on to whoever asked: workers may not publish into other queues by name.
    func publishReport(_ body: [UInt8], type: String, correlationID: String?, _ session: Session) async throws {
        try await session.publishChannel.publish(
            body, exchange: Topology.eventsExchange, routingKey: Topology.reportRoutingKey(workerID: config.workerID),
            properties: Envelope.properties(type: type, correlationID: correlationID, persistent: false))
    }

    /// The smoke test's report, or at once a failed one saying the worker is busy when
    /// `maxRuntimeTests` are running: a flood of `runtime_test` costs a reply each, not a sandbox each.
    func runtimeTestReport(_ runtime: InstalledRuntime) async -> RuntimeTestReport {
        let admitted = runtimeTests.withLock { running in
            guard running < Self.maxRuntimeTests else { return false }
            running += 1
            return true
        }
        guard admitted else {
            return RuntimeTestReport(
                workerID: config.workerID, runtimeID: runtime.descriptor.id, passed: false, exitCode: nil,
                output: "busy: a runtime test is already running on \(config.workerID); ask again once it has reported",
                durationSeconds: 0)
        }
        defer { runtimeTests.withLock { $0 -= 1 } }
        return await RuntimeTester(config: config, logger: logger).test(runtime)
    }
}
