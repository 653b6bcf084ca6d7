import Foundation
import Synchronization

/// The real RabbitMQ broker that tests run against.
public enum TestBroker {
    private static let shared_ = SharedOnce<String>()
    private static let counter = Atomic<Int>(0)

    /// The AMQP URL of the broker shared by the whole test run: `JOBLET_TEST_AMQP_URL` if set
    /// (scripts/test starts one broker for the run), else a private node started once per
    /// process with scripts/broker and stopped at exit.
    public static func shared() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["JOBLET_TEST_AMQP_URL"], !url.isEmpty { return url }
        return try await shared_.value {
            let name = "test-\(getpid())"
            ExitCleanup.register(name)
            let out = try await BrokerScript.run(["start", "--name", name])
            guard let url = BrokerScript.value("AMQP_URL", in: out) else {
                throw BrokerScript.Failure(description: "scripts/broker start printed no AMQP_URL: \(out)")
            }
            return url
        }
    }

    /// Starts a node of the test's own (stopped at process exit unless destroyed before).
    public static func startPrivate(name: String) async throws -> PrivateBroker {
        let full = "\(name)-\(getpid())"
        ExitCleanup.register(full)
        let out = try await BrokerScript.run(["start", "--name", full])
        guard let url = BrokerScript.value("AMQP_URL", in: out),
            let portText = url.split(separator: ":").last?.split(separator: "/").first,
            let port = Int(portText)
        else {
            throw BrokerScript.Failure(description: "scripts/broker start printed no AMQP_URL: \(out)")
        }
        return PrivateBroker(name: full, port: port, url: url)
    }

    /// A queue/exchange name unique to this process and call, e.g. `t.roundtrip.4711.3`.
    public static func uniqueName(_ prefix: String) -> String {
        "t.\(prefix).\(getpid()).\(counter.add(1, ordering: .relaxed).newValue)"
    }
}
