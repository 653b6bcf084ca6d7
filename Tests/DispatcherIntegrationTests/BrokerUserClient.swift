import AMQP
import Foundation
import JobletCore
import JobletMessaging

/// A client logged in to the broker as its own user (not guest), talking to the dispatcher the way
/// rnx does: `user_id` set to that user, which RabbitMQ checks against the login.
final class BrokerUserClient: @unchecked Sendable {
    let user: String
    let url: String
    let connection: AMQPConnection
    let rpc: RPCClient

    /// Creates the broker user with the shipped permissions of `role` on the harness's vhost and connects as it.
    init(user: String, harness: DispatcherHarness, role: String = "submitter") async throws {
        self.user = user
        url = try DispatcherTestBroker.addUser(user, on: harness.url, role: role)
        connection = try await AMQPConnection.connect(AMQPConfiguration(url: url, connectionName: "dispatcher-tests-\(user)"))
        rpc = try await RPCClient(connection: connection)
    }

    func submit(_ request: JobRequest, messageID: String = JobID.generate()) async throws -> SubmitReply {
        var properties = Envelope.properties(type: MessageType.jobRequest, messageID: messageID)
        properties.userID = user
        let reply = try await rpc.call(
            exchange: Topology.apiExchange, routingKey: Topology.submitRoutingKey, body: try JSONCodec.encode(request),
            properties: properties, timeout: .seconds(20))
        return try JSONCodec.decode(SubmitReply.self, from: reply.body)
    }

    func query(_ request: RPCRequest) async throws -> RPCResponse {
        var properties = Envelope.properties(type: MessageType.rpcRequest, persistent: false)
        properties.userID = user
        let reply = try await rpc.call(
            exchange: Topology.apiExchange, routingKey: Topology.rpcRoutingKey, body: try JSONCodec.encode(request),
            properties: properties, timeout: .seconds(20))
        return try JSONCodec.decode(RPCResponse.self, from: reply.body)
    }

    /// Disconnects and removes the broker user again.
    func close() async {
        await connection.close()
        _ = DispatcherTestBroker.rabbitmqctl(["delete_user", user], brokerURL: url)
    }
}
