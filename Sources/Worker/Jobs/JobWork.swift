import AMQP

/// A job delivery that holds a slot: either running or about to.
struct JobWork: Sendable {
    let delivery: Delivery
    let queue: String
    /// When the delivery reached the worker, for the spawn-latency metric.
    let receivedAt: ContinuousClock.Instant
}
