import AMQP

/// A private queue to follow a job on: its own channel and a server-named exclusive queue, bound to
/// the job's events and logs once the job id is known (JobFollower). Opening one does not depend on
/// the job, so `rnx run` opens it while its submission waits for the dispatcher's reply.
struct FollowQueue: Sendable {
    let channel: AMQPChannel
    let name: String

    static func open(on client: ClusterClient) async throws -> FollowQueue {
        let channel = try await client.connection.openChannel()
        let name = try await channel.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        return FollowQueue(channel: channel, name: name)
    }
}
