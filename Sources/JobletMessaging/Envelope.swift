import AMQP
import JobletCore

/// Typed JSON messages on AMQP: the properties every Joblet message carries, and strict decoding
/// that turns anything malformed into a `PoisonMessage` naming what is wrong.
public enum Envelope {
    /// JSON, persistent, typed and timestamped properties.
    public static func properties(
        type: String, messageID: String? = nil, correlationID: String? = nil,
        replyTo: String? = nil, headers: FieldTable? = nil,
        persistent: Bool = true
    ) -> BasicProperties {
        var properties = BasicProperties()
        properties.contentType = "application/json"
        properties.deliveryMode = persistent ? .persistent : .transient
        properties.type = type
        properties.messageID = messageID
        properties.correlationID = correlationID
        properties.replyTo = replyTo
        properties.headers = headers
        properties.timestamp = UInt64(Clock.now)
        return properties
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try JSONCodec.encode(value)
    }

    /// Decodes `delivery` as `T`, checking its `type` property when it has one (foreign clients
    /// may leave it out). Every failure is a `PoisonMessage` with a reason fit for a dead-letter header.
    public static func decode<T: Decodable>(_ type: T.Type, from delivery: Delivery, expectedType: String) throws -> T {
        try refuseDroppedBody(delivery)
        if let actual = delivery.properties.type, actual != expectedType {
            throw PoisonMessage("unexpected message type \"\(actual)\"; this queue takes \"\(expectedType)\"")
        }
        if let contentType = delivery.properties.contentType, !contentType.hasPrefix("application/json") {
            throw PoisonMessage("unsupported content type \"\(contentType)\"; send application/json")
        }
        do {
            return try JSONCodec.decode(type, from: delivery.body)
        } catch let error as JobletError {
            throw PoisonMessage(error.message)
        } catch {
            throw PoisonMessage("\(error)")
        }
    }

    /// A body the consumer's `bodyLimit` dropped: poison, whatever the rest of the message says.
    public static func refuseDroppedBody(_ delivery: Delivery) throws(PoisonMessage) {
        if let dropped = delivery.droppedBody { throw PoisonMessage("\(dropped); send smaller messages") }
    }
}
