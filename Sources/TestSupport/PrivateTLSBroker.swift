import Foundation

/// A private node with an amqps listener beside the plain one (`scripts/broker start --tls`).
public struct PrivateTLSBroker: Sendable {
    /// The node itself (plain URL, stop/start/destroy); a restart keeps TLS and the certificates.
    public let broker: PrivateBroker
    /// `amqps://guest:guest@127.0.0.1:PORT/`
    public let url: String
    public let tlsPort: Int
    /// The CA that signed the broker's certificate, and a client certificate it accepts.
    public let certificates: TestCertificates
}

extension TestBroker {
    /// Starts a node of the test's own with TLS (stopped at process exit unless destroyed before;
    /// its certificates are removed at exit).
    public static func startPrivateTLS(name: String) async throws -> PrivateTLSBroker {
        let full = "\(name)-\(getpid())"
        ExitCleanup.register(full)
        let certDir = FileManager.default.temporaryDirectory.appendingPathComponent("joblet-certs-\(full)").path
        ExitCleanup.registerDirectory(certDir)
        let out = try await BrokerScript.run(["start", "--name", full, "--tls", certDir])
        guard let url = BrokerScript.value("AMQP_URL", in: out), let port = portOf(url),
            let tlsURL = BrokerScript.value("AMQPS_URL", in: out), let tlsPort = portOf(tlsURL),
            let dir = BrokerScript.value("TLS_DIR", in: out)
        else {
            throw BrokerScript.Failure(description: "scripts/broker start --tls printed no AMQP_URL/AMQPS_URL/TLS_DIR: \(out)")
        }
        return PrivateTLSBroker(
            broker: PrivateBroker(name: full, port: port, url: url), url: tlsURL,
            tlsPort: tlsPort, certificates: TestCertificates(directory: dir))
    }

    static func portOf(_ url: String) -> Int? {
        url.split(separator: ":").last?.split(separator: "/").first.flatMap { Int($0) }
    }
}
