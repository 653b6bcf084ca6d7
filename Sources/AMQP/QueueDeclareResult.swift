/// The broker's answer to queue.declare; only the AMQP module makes one (memberwise, internally).
public struct QueueDeclareResult: Sendable, Equatable {
    /// The queue name (the server-generated one when declared with "").
    public var name: String
    /// Messages ready in the queue.
    public var messageCount: UInt32
    /// Active consumers on the queue.
    public var consumerCount: UInt32
}
