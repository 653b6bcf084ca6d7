import AMQP
import Foundation
import TestSupport
import Testing

/// One TLS broker for the whole suite: a node takes 5-15 s to start.
private let sharedTLSBroker = SharedOnce<PrivateTLSBroker>()

private func tlsBroker() async throws -> PrivateTLSBroker {
    try await sharedTLSBroker.value { try await TestBroker.startPrivateTLS(name: "tls") }
}

private func tlsConfig(_ url: String, _ tls: TLSOptions) -> AMQPConfiguration {
    var config = AMQPConfiguration(url: url, connectionName: "tls-test")
    config.tls = tls
    config.reconnect = .disabled
    return config
}

@Suite("amqps", .serialized, .integration(needs: [.brokerNodes]), .timeLimit(.minutes(10)))
struct TLSTests {
    @Test("amqps with the broker's CA: a published message is consumed intact")
    func roundTrip() async throws {
        let broker = try await tlsBroker()
        let conn = try await AMQPConnection.connect(
            tlsConfig(broker.url, TLSOptions(caCertificatePath: broker.certificates.caPath)))
        try await withCleanup {
            await conn.close()
        } do: {
            let ch = try await conn.openChannel()
            try await ch.enableConfirms()
            let queue = TestBroker.uniqueName("tls")
            try await ch.declareQueue(queue, durable: false, autoDelete: false)
            // Bigger than one TLS record (16 KiB) so the reader must reassemble.
            let bodies = (0..<20).map { i in Array(repeating: UInt8(i), count: 40_000) + Array("job \(i)".utf8) }
            for (i, body) in bodies.enumerated() {
                try await ch.publish(body, exchange: "", routingKey: queue, properties: BasicProperties(messageID: "\(i)"))
            }
            let consumer = try await ch.consume(queue: queue)
            var received: [String: [UInt8]] = [:]
            for try await d in consumer {
                received[d.properties.messageID ?? "?"] = d.body
                try await ch.ack(d)
                if received.count == bodies.count { break }
            }
            for (i, body) in bodies.enumerated() { #expect(received["\(i)"] == body) }
            try await ch.cancel(consumerTag: consumer.consumerTag)
            try await ch.deleteQueue(queue)
        }
    }

    @Test("a CA that did not sign the broker's certificate fails with .tls, saying it could not be verified")
    func wrongCA() async throws {
        let broker = try await tlsBroker()
        let other = try await TestCertificates.make(name: "other-ca")
        let e = await connectError(tlsConfig(broker.url, TLSOptions(caCertificatePath: other.caPath)))
        #expect(e?.code == .tls)
        #expect(e?.message.contains("could not be verified") == true)
        #expect(e?.message.contains(other.caPath) == true)
    }

    @Test("without a CA option the system CAs are used: a private CA's certificate is not trusted")
    func systemCAsOnly() async throws {
        let broker = try await tlsBroker()
        let e = await connectError(tlsConfig(broker.url, TLSOptions()))
        #expect(e?.code == .tls)
        #expect(e?.message.contains("could not be verified with the system CAs") == true)
    }

    @Test("a host name the certificate does not name fails with .tls; without the check it connects")
    func hostnameMismatch() async throws {
        let broker = try await tlsBroker()
        // 127.1 is 127.0.0.1 to the resolver (inet_aton) but a name the certificate does not carry.
        let url = "amqps://guest:guest@127.1:\(broker.tlsPort)/"
        let ca = broker.certificates.caPath
        let e = await connectError(tlsConfig(url, TLSOptions(caCertificatePath: ca)))
        #expect(e?.code == .tls)
        #expect(e?.message.contains("'127.1'") == true)
        #expect(await connectError(tlsConfig(url, TLSOptions(caCertificatePath: ca, verifyHostname: false))) == nil)
    }

    @Test("amqps:// to the plain AMQP port fails with .tls asking whether it is an amqps port")
    func amqpsToPlainPort() async throws {
        let broker = try await tlsBroker()
        let url = broker.broker.url.replacingOccurrences(of: "amqp://", with: "amqps://")
        let e = await connectError(tlsConfig(url, TLSOptions(caCertificatePath: broker.certificates.caPath)))
        #expect(e?.code == .tls)
        #expect(e?.message.contains("is it an amqps port") == true)
    }

    @Test("a client certificate signed by the broker's CA is accepted; one from another CA is refused")
    func clientCertificate() async throws {
        let broker = try await tlsBroker()
        let certs = broker.certificates
        let trusted = TLSOptions(
            caCertificatePath: certs.caPath, certificatePath: certs.clientCertificatePath,
            keyPath: certs.clientKeyPath)
        let conn = try await AMQPConnection.connect(tlsConfig(broker.url, trusted))
        let ch = try await conn.openChannel()
        let q = TestBroker.uniqueName("mtls")
        #expect(try await ch.declareQueue(q, durable: false, autoDelete: true).messageCount == 0)
        await conn.close()

        let other = try await TestCertificates.make(name: "other-client")
        let untrusted = TLSOptions(
            caCertificatePath: certs.caPath, certificatePath: other.clientCertificatePath,
            keyPath: other.clientKeyPath)
        let e = await connectError(tlsConfig(broker.url, untrusted))
        #expect(e?.code == .tls)
        #expect(e?.message.contains("did not accept the client certificate '\(other.clientCertificatePath)'") == true)
    }

    @Test("the plain port still answers when TLS is on")
    func plainBeside() async throws {
        let broker = try await tlsBroker()
        let conn = try await AMQPConnection.connect(AMQPConfiguration(url: broker.broker.url))
        let ch = try await conn.openChannel()
        let q = TestBroker.uniqueName("plain")
        #expect(try await ch.declareQueue(q, durable: false, autoDelete: true).messageCount == 0)
        await conn.close()
    }
}
