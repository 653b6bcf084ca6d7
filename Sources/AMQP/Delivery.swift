/// A message delivered to a consumer or fetched with basic.get.
public struct Delivery: Sendable {
    public var body: [UInt8]
    public var properties: BasicProperties
    /// Valid only on the channel and connection generation it arrived on.
    public var deliveryTag: UInt64
    public var redelivered: Bool
    public var exchange: String
    public var routingKey: String
    /// nil for basic.get.
    public var consumerTag: String?
    /// The connection generation the delivery arrived in; acking an older one throws `.staleDelivery`.
    public var generation: UInt64
    /// Set when the body was larger than the consumer's `bodyLimit`: `body` is empty, the bytes were
    /// dropped as they arrived. The delivery still has to be settled.
    public var droppedBody: DroppedBody?

    public init(
        body: [UInt8], properties: BasicProperties, deliveryTag: UInt64, redelivered: Bool,
        exchange: String, routingKey: String, consumerTag: String?, generation: UInt64
    ) {
        self.body = body
        self.properties = properties
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.consumerTag = consumerTag
        self.generation = generation
    }
}

/// A message body larger than its consumer takes, read off the socket and dropped.
public struct DroppedBody: Sendable, Equatable, CustomStringConvertible {
    /// The size the message's content header announced.
    public var size: UInt64
    /// The consumer's `bodyLimit`.
    public var limit: Int

    public init(size: UInt64, limit: Int) {
        self.size = size
        self.limit = limit
    }

    public var description: String {
        "a message body of \(size) bytes, larger than the \(limit) bytes this consumer takes"
    }
}
