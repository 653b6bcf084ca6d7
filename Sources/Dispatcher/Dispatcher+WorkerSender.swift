import AMQP
import JobletMessaging

extension Dispatcher {
    /// The worker user that sent `delivery` (the broker validated its user id), or nil once a
    /// message from anyone else is refused as `kind` with `reason` and acked: what only workers
    /// send is believed only from worker users.
    func workerSender(of delivery: Delivery, on channel: AMQPChannel, kind: String, reason: String) async throws -> String? {
        guard let sender = workerSender(of: delivery, kind: kind, reason: reason) else {
            try await channel.ack(delivery)
            return nil
        }
        return sender
    }

    /// The worker user that sent `delivery`, or nil once a message from anyone else is refused (the
    /// caller settles it).
    func workerSender(of delivery: Delivery, kind: String, reason: String) -> String? {
        let sender = delivery.properties.userID
        guard trust.role(of: sender) == .worker, let sender else {
            refusals.refuse(kind, sender: sender, reason: reason)
            return nil
        }
        return sender
    }

    /// The messages only workers send, as refusals and logs name them.
    enum WorkerMessage {
        case advert, logChunk, report

        /// The refusal log's kind.
        var kind: String {
            switch self {
            case .advert: "advert"
            case .logChunk: "log"
            case .report: "report"
            }
        }

        /// Why one from anyone else is refused.
        var refusal: String { "\(name)s are believed only from worker users" }

        /// What it is called in a log line.
        var name: String {
            switch self {
            case .advert: "worker advert"
            case .logChunk: "log chunk"
            case .report: "runtime report"
            }
        }
    }

    /// Handles a message only workers send: refused (and acked) from anyone else; `body` gets the
    /// sender; a malformed message (``PoisonMessage``) is logged and ignored. Acked after `body`.
    func handleFromWorker(
        _ message: WorkerMessage, _ delivery: Delivery, on channel: AMQPChannel, _ body: (_ sender: String) async throws -> Void
    ) async throws {
        guard let sender = try await workerSender(of: delivery, on: channel, kind: message.kind, reason: message.refusal) else { return }
        do {
            try await body(sender)
        } catch let poison as PoisonMessage {
            ignore(message, delivery, poison)
        }
        try await channel.ack(delivery)
    }

    /// A malformed message from a worker: logged and settled by the caller, never sent round again.
    func ignore(_ message: WorkerMessage, _ delivery: Delivery, _ poison: PoisonMessage) {
        logger.warning("malformed \(message.name) ignored", metadata: ["reason": "\(poison.reason)", "key": "\(delivery.routingKey)"])
    }
}
