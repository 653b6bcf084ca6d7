import AMQP
import JobletCore
import JobletMessaging

/// Workers' reports on runtime commands arrive on the dispatcher's private reports queue (bound to
/// `joblet.events` `worker.*.report`): a deploy report counts for the rollout, and a report on a
/// caller's request is passed on to that caller's reply_to (``ReportRelays``).
extension Dispatcher {
    /// One report, believed only from the worker it names.
    public func handleWorkerReport(_ delivery: Delivery, on channel: AMQPChannel) async throws {
        try await handleFromWorker(.report, delivery, on: channel) { sender in
            let report = try WorkerReport(delivery)
            guard report.workerID == sender else {
                refusals.refuse(WorkerMessage.report.kind, sender: sender, reason: "report for worker \(report.workerID.prefix(80)) sent by \(sender)")
                return
            }
            if let deploy = report.deploy {
                rollouts.reported(deploy, now: Clock.now)
                if deploy.isFinal {
                    logger.info(
                        "runtime report",
                        metadata: [
                            "worker": "\(sender)", "runtime": "\(deploy.runtime.prefix(256))",
                            "state": "\(deploy.state.rawValue)", "message": "\(deploy.message.prefix(512))",
                        ])
                }
            }
            // Not a caller's (the dispatcher's own order), or not from a worker the caller's request went to.
            guard let id = delivery.properties.correlationID,
                let relay = relays.route(id, from: sender, final: report.isFinal, now: Clock.now)
            else { return }
            // Non-mandatory: a caller that gave up (its queue gone) loses nothing.
            try await channel.publish(
                delivery.body, exchange: "", routingKey: relay.replyTo,
                properties: Envelope.properties(type: report.type, correlationID: relay.correlationID, persistent: false))
        }
    }
}

/// A worker's report as the dispatcher reads it: a runtime test's or a deploy's.
struct WorkerReport {
    let type: String
    let workerID: String
    /// The worker's last report on the command.
    let isFinal: Bool
    let deploy: RuntimeDeployReport?

    init(_ delivery: Delivery) throws {
        if delivery.properties.type == MessageType.runtimeTestReport {
            let report = try Envelope.decode(RuntimeTestReport.self, from: delivery, expectedType: MessageType.runtimeTestReport)
            (type, workerID, isFinal, deploy) = (MessageType.runtimeTestReport, report.workerID, true, nil)
        } else {
            let report = try Envelope.decode(RuntimeDeployReport.self, from: delivery, expectedType: MessageType.runtimeDeployReport)
            (type, workerID, isFinal, deploy) = (MessageType.runtimeDeployReport, report.workerID, report.isFinal, report)
        }
    }
}
