import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

/// EXTERNAL login (issue 11): a worker or dispatcher logs in with its client certificate instead of
/// a password; the broker takes the user from the certificate's CN, and `user_id` is checked against it.
@Suite("EXTERNAL login", .serialized, .integration(needs: [.brokerNodes]))
struct ExternalLoginTests {
    @Test func aCertificateLogsInAsItsUserAndNoOtherIdentityIsAccepted() async throws {
        let broker = try await TestBroker.startPrivateTLS(name: "external")
        try await withCleanup {
            try? await broker.broker.destroy()
        } do: {
            let name = "joblet-worker-ext\(getpid())"
            _ = try BrokerRoles.provision([("worker", name)], brokerURL: broker.broker.url, certificateOnly: true)
            _ = try await BrokerScript.certs(broker.certificates.directory, client: name)
            let dir = broker.certificates.directory
            let port = broker.tlsPort
            let tls = BrokerTLS(
                ca: dir + "/ca.pem", cert: "\(dir)/\(name).pem", key: "\(dir)/\(name).key", verifyHostname: false,
                login: .external)

            // Joblet's exchanges, as the dispatcher declares them (a worker may not).
            let admin = try await AMQPConnection.connect(AMQPConfiguration(url: broker.broker.url, connectionName: "external-setup"))
            try await Topology.declareCore(on: try await admin.openChannel())
            await admin.close()

            // The URL names the user but carries no password.
            let settings = BrokerSettings(urls: ["amqps://127.0.0.1:\(port)/"], tls: tls)
            var configuration = try settings.configuration(connectionName: "external-test", environment: ["JOBLET_BROKER_USER": name])
            configuration.reconnect = .disabled
            #expect(configuration.login == .external)
            #expect(configuration.urls == ["amqps://\(name)@127.0.0.1:\(port)/"])
            let connection = try await AMQPConnection.connect(configuration)
            #expect(connection.user == name)

            // Its broker permissions are the worker role's: its own control queue yes, another's no.
            let channel = try await connection.openChannel()
            try await channel.enableConfirms()
            let own = Topology.controlQueue(workerID: name)
            #expect(try await channel.declareQueue(own, durable: false, exclusive: true, autoDelete: true).name == own)
            // Publishes are stamped with the certificate's user and accepted ...
            let advert = Topology.advertRoutingKey(workerID: name)
            try await channel.publish(Array("hello".utf8), exchange: Topology.eventsExchange, routingKey: advert)
            // ... while another identity in user_id closes the channel (406).
            var forged = BasicProperties()
            forged.userID = "joblet-dispatcher"
            var refused: AMQPError?
            do {
                try await channel.publish(Array("x".utf8), exchange: Topology.eventsExchange, routingKey: advert, properties: forged)
                try await channel.checkExchange("amq.topic")
            } catch let error as AMQPError {
                refused = error
            }
            #expect(refused?.replyCode == 406, "\(String(describing: refused))")
            let other = try await connection.openChannel()
            var squat: AMQPError?
            do {
                _ = try await other.declareQueue(
                    Topology.controlQueue(workerID: "joblet-worker-someone-else"), durable: false, exclusive: true, autoDelete: true)
            } catch let error as AMQPError {
                squat = error
            }
            #expect(squat?.replyCode == 403, "\(String(describing: squat))")
            await connection.close()

            // The same user has no password: PLAIN login is refused.
            var plain = AMQPConfiguration(url: "amqps://\(name):anything@127.0.0.1:\(port)/", connectionName: "plain")
            plain.tls = try tls.options()
            plain.reconnect = .disabled
            var failed: AMQPError?
            do { _ = try await AMQPConnection.connect(plain) } catch let error as AMQPError { failed = error }
            #expect(failed?.code == .authenticationFailed, "\(String(describing: failed))")
        }
    }
}
