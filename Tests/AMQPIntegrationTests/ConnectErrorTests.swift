import AMQP
import Foundation
import TestSupport
import Testing

/// The shared broker's URL with other credentials or vhost.
private func brokerURL(user: String = "guest", password: String = "guest", vhost: String = "") async throws -> String {
    let base = try await TestBroker.shared()
    let hostPort = base.split(separator: "@").last?.split(separator: "/").first.map(String.init) ?? ""
    return "amqp://\(user):\(password)@\(hostPort)/\(vhost)"
}

@Test("wrong credentials say authentication failed, without the password", .integration(needs: [.broker]))
func badCredentials() async throws {
    let e = await connectError(try await brokerURL(user: "mallory", password: "hunter2"))
    #expect(e?.code == .authenticationFailed)
    #expect(e?.message.contains("authentication failed for user 'mallory'") == true)
    #expect(e.map { "\($0)" }?.contains("hunter2") == false)
}

@Test("a missing vhost says so", .integration(needs: [.broker]))
func missingVhost() async throws {
    let e = await connectError(try await brokerURL(vhost: "no-such-vhost"))
    #expect(e?.code == .vhostNotFound)
    #expect(e?.message.contains("vhost 'no-such-vhost' does not exist or access refused") == true)
}

@Test("a declare that contradicts the existing queue closes the channel with 406", .integration(needs: [.broker]))
func preconditionFailed() async throws {
    let conn = try await AMQPConnection.connect(AMQPConfiguration(url: try await TestBroker.shared()))
    try await withCleanup {
        await conn.close()
    } do: {
        let ch = try await conn.openChannel()
        let queue = TestBroker.uniqueName("mismatch")
        try await ch.declareQueue(queue, durable: false, autoDelete: true)
        let e = await #expect(throws: AMQPError.self) { try await ch.declareQueue(queue, durable: true) }
        #expect(e?.code == .channelClosed)
        #expect(e?.replyCode == 406)
        // Later calls on that channel fail clearly; the connection still works.
        await #expect(throws: AMQPError.self) { try await ch.purgeQueue(queue) }
        let other = try await conn.openChannel()
        #expect(try await other.purgeQueue(queue) == 0)
    }
}

@Test("connection failures are logged without the password", .integration(needs: [.broker]))
func connectFailureLogsNoPassword() async throws {
    let url = try await TestBroker.shared()
    let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
    let bad = url.replacingOccurrences(of: "guest:guest@", with: "guest:\(secret)@")
    let logs = LogCapture()
    var config = AMQPConfiguration(url: bad, connectionName: "log-test")
    config.logger = logs.logger()
    await #expect(throws: AMQPError.self) { _ = try await AMQPConnection.connect(config) }
    let lines = logs.all
    #expect(lines.contains { $0.contains("connect failed") && $0.contains("127.0.0.1:") })
    #expect(!lines.contains { $0.contains(secret) })
}
