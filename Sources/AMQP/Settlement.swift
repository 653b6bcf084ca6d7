import CRabbitMQ

/// How a delivery is settled; a value (not a closure) so settling allocates nothing.
enum Settlement: Sendable {
    case ack(multiple: Bool)
    case nack(multiple: Bool, requeue: Bool)
    case reject(requeue: Bool)

    var name: String {
        switch self {
        case .ack: "ack"
        case .nack: "nack"
        case .reject: "reject"
        }
    }

    /// Writes the frame; returns librabbitmq's status.
    func send(_ state: amqp_connection_state_t, _ channel: UInt16, _ tag: UInt64) -> Int32 {
        switch self {
        case .ack(let multiple): amqp_basic_ack(state, channel, tag, multiple ? 1 : 0)
        case .nack(let multiple, let requeue): amqp_basic_nack(state, channel, tag, multiple ? 1 : 0, requeue ? 1 : 0)
        case .reject(let requeue): amqp_basic_reject(state, channel, tag, requeue ? 1 : 0)
        }
    }
}
