import AMQP
import Isolation
import JobletCore
import JobletMessaging
import Logging

extension WorkerService {
    /// Consumes `worker.<id>` and `worker.all` on `joblet.control` through an exclusive auto-delete queue.
    func controlLoop(_ session: Session) async {
        let consumer: AMQPConsumer
        do {
            let queue = try await session.controlChannel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
            for key in [Topology.controlRoutingKey(workerID: config.workerID), Topology.controlRoutingKey(workerID: nil)] {
                try await session.controlChannel.bindQueue(queue, exchange: Topology.controlExchange, routingKey: key)
            }
            consumer = try await session.controlChannel.consume(queue: queue, exclusive: true)
        } catch {
            logger.error("cannot listen for control commands", metadata: ["error": "\(error)"])
            return
        }
        do {
            for try await delivery in consumer {
                await handleControl(delivery, session)
                try? await session.controlChannel.ack(delivery)
            }
        } catch {
            logger.warning("control consumer ended", metadata: ["error": "\(error)"])
        }
    }

    func handleControl(_ delivery: Delivery, _ session: Session) async {
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
            await publishAdvert(session, cgroups: session.runner.cgroups)
        case .resume:
            await state.setMode(.online)
            session.reconcileSink.yield()
            await publishAdvert(session, cgroups: session.runner.cgroups)
        case .rescan:
            if inventory.rescan(force: true) { session.reconcileSink.yield() }
            await publishAdvert(session, cgroups: session.runner.cgroups)
        case .runtimeTest:
            guard let runtimeID = command.runtime, let runtime = inventory.runtime(id: runtimeID),
                  let replyTo = delivery.properties.replyTo else { return }
            let report = await RuntimeTester(config: config, logger: logger).test(runtime)
            do {
                try await session.publishChannel.publish(
                    Envelope.encode(report), exchange: "", routingKey: replyTo,
                    properties: Envelope.properties(type: MessageType.runtimeTestReport,
                                                    correlationID: delivery.properties.correlationID, persistent: false))
            } catch {
                logger.warning("cannot reply to runtime_test", metadata: ["error": "\(error)"])
            }
        }
    }
}
