/// The AMQP 0-9-1 exchange types.
public enum ExchangeKind: String, Sendable {
    case direct, topic, fanout, headers
}
