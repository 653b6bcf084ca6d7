/// A publish that has not been confirmed yet (or, without confirms, not sent yet).
/// Created by the caller, then owned by the connection's loop thread.
final class PendingPublish: @unchecked Sendable {
    let body: [UInt8]
    let exchange: String
    let routingKey: String
    let properties: BasicProperties
    let mandatory: Bool
    let deadline: ContinuousClock.Instant
    let receipt: PublishReceipt

    init(
        body: [UInt8], exchange: String, routingKey: String, properties: BasicProperties,
        mandatory: Bool, deadline: ContinuousClock.Instant, receipt: PublishReceipt
    ) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.mandatory = mandatory
        self.deadline = deadline
        self.receipt = receipt
    }

    /// Settles the caller's receipt; only the first outcome counts.
    func complete(_ result: Result<Void, AMQPError>) {
        receipt.complete(result)
    }

    func matches(_ r: ReturnedMessage) -> Bool {
        r.exchange == exchange && r.routingKey == routingKey && r.body == body
    }
}
