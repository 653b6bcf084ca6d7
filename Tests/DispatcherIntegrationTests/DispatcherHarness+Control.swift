import AMQP
import JobletCore
import JobletMessaging

/// Seeing the control commands the dispatcher sends, the way a worker would get them.
extension DispatcherHarness {
    /// A private queue bound to the commands for `workerID` (nil: those for every worker).
    func controlQueue(workerID: String?) async throws -> String {
        let queue = "joblet.t.control-" + JobID.short(JobID.generate())
        try await channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try await channel.bindQueue(queue, exchange: Topology.controlExchange, routingKey: Topology.controlRoutingKey(workerID: workerID))
        return queue
    }

    /// The next message on `queue`, acked; nil when none came within 5 s.
    func nextDelivery(on queue: String) async throws -> Delivery? {
        for _ in 0..<100 {
            if let delivery = try await channel.get(queue: queue) {
                try await channel.ack(delivery)
                return delivery
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}
