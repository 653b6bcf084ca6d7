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
            if case .deploy(let deploy) = report {
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

    /// Opens a relay for the reports of `workers` on a command, and sends it (`send` gets the relay id,
    /// the command's correlation id). A command that could not be sent leaves no relay behind.
    func relayed(
        caller: String, replyTo: String, correlationID: String?, to workers: Set<String>,
        _ send: (_ relay: String) async throws -> Void
    ) async throws {
        let relay = try relays.open(caller: caller, replyTo: replyTo, correlationID: correlationID, workers: workers, now: Clock.now)
        do {
            try await send(relay)
        } catch {
            relays.cancel(relay)
            throw error
        }
    }
}

/// A worker's report as the dispatcher reads it: a runtime test's or a deploy's.
enum WorkerReport {
    case test(RuntimeTestReport)
    case deploy(RuntimeDeployReport)

    init(_ delivery: Delivery) throws {
        if delivery.properties.type == MessageType.runtimeTestReport {
            self = .test(try Envelope.decode(RuntimeTestReport.self, from: delivery, expectedType: MessageType.runtimeTestReport))
        } else {
            self = .deploy(try Envelope.decode(RuntimeDeployReport.self, from: delivery, expectedType: MessageType.runtimeDeployReport))
        }
    }

    var type: String {
        switch self {
        case .test: MessageType.runtimeTestReport
        case .deploy: MessageType.runtimeDeployReport
        }
    }

    var workerID: String {
        switch self {
        case .test(let report): report.workerID
        case .deploy(let report): report.workerID
        }
    }

    /// The worker's last report on the command (a test has one).
    var isFinal: Bool {
        switch self {
        case .test: true
        case .deploy(let report): report.isFinal
        }
    }
}
