/// A mandatory message the broker could not route (basic.return).
public struct ReturnedMessage: Sendable, Equatable {
    public var replyCode: UInt16
    public var replyText: String
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: BasicProperties

    public init(
        replyCode: UInt16, replyText: String, exchange: String, routingKey: String,
        body: [UInt8], properties: BasicProperties
    ) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
    }
}
