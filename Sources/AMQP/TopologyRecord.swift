/// A topology call remembered by a channel so it can be replayed after a reconnect.
enum TopologyRecord: Equatable {
    case exchange(name: String, kind: ExchangeKind, durable: Bool, autoDelete: Bool, arguments: FieldTable)
    case queue(name: String, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: FieldTable)
    case binding(queue: String, exchange: String, routingKey: String, arguments: FieldTable)
}
