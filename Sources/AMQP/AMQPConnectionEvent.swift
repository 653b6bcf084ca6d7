/// Connection life-cycle events, for logging and for dropping work tied to old deliveries.
public enum AMQPConnectionEvent: Sendable, Equatable {
    /// The connection was lost; reconnecting (unless the policy is `.disabled`).
    case disconnected(reason: String)
    /// Reconnected; channels, topology, consumers and unconfirmed publishes are restored.
    case reconnected(generation: UInt64)
    /// Closed for good (by `close()` or because reconnecting gave up).
    case closed
}
