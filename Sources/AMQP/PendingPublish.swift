/// A publish that has not been confirmed yet (or, without confirms, not sent yet).
/// Created by the caller, then owned by the connection's loop thread.
final class PendingPublish: @unchecked Sendable {
    let body: [UInt8]
    let exchange: String
    let routingKey: String
    let properties: BasicProperties
    let mandatory: Bool
    let deadline: ContinuousClock.Instant
    private var continuation: UnsafeContinuation<Void, any Error>?

    init(body: [UInt8], exchange: String, routingKey: String, properties: BasicProperties,
         mandatory: Bool, deadline: ContinuousClock.Instant, continuation: UnsafeContinuation<Void, any Error>) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.mandatory = mandatory
        self.deadline = deadline
        self.continuation = continuation
    }

    /// Resumes the caller exactly once.
    func complete(_ result: Result<Void, AMQPError>) {
        guard let c = continuation else { return }
        continuation = nil
        c.resume(with: result.mapError { $0 as any Error })
    }

    func matches(_ r: ReturnedMessage) -> Bool {
        r.exchange == exchange && r.routingKey == routingKey && r.body == body
    }
}
