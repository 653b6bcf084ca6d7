import AMQP

extension Dispatcher {
    /// The worker user that sent `delivery` (the broker validated its user id), or nil once a
    /// message from anyone else is refused as `kind` with `reason` and acked: what only workers
    /// send is believed only from worker users.
    func workerSender(of delivery: Delivery, on channel: AMQPChannel, kind: String, reason: String) async throws -> String? {
        let sender = delivery.properties.userID
        guard trust.role(of: sender) == .worker, let sender else {
            refusals.refuse(kind, sender: sender, reason: reason)
            try await channel.ack(delivery)
            return nil
        }
        return sender
    }
}
