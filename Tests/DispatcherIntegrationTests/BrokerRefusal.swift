import AMQP
import JobletCore
import Testing

/// What the broker says to one attempt made with a role's permissions.
enum BrokerRefusal {
    /// Runs `attempt` on a fresh channel and returns the broker's refusal, if any. A publish is
    /// asynchronous, so a passive check (needs no permission) afterwards surfaces the channel close.
    static func of(_ connection: AMQPConnection, _ attempt: (AMQPChannel) async throws -> Void) async throws -> AMQPError? {
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        do {
            try await attempt(channel)
            try await channel.checkExchange(Topology.eventsExchange)
            await channel.close()
            return nil
        } catch let error as AMQPError {
            return error
        }
    }

    static func expectAccessRefused(_ error: AMQPError?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            error?.replyCode == 403, "\(what): expected ACCESS_REFUSED, got \(error.map { "\($0)" } ?? "success")",
            sourceLocation: sourceLocation)
    }
}
