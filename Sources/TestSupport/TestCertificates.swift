import Foundation

/// The throwaway PEM files `scripts/broker --tls DIR` / `scripts/broker certs DIR` make:
/// a CA, a server certificate for 127.0.0.1/localhost and a client certificate (CN `joblet-client`).
public struct TestCertificates: Sendable {
    public let directory: String
    /// The CA that signed the server and the client certificate.
    public var caPath: String { directory + "/ca.pem" }
    public var clientCertificatePath: String { directory + "/client.pem" }
    public var clientKeyPath: String { directory + "/client.key" }

    public init(directory: String) {
        self.directory = directory
    }

    /// Makes a fresh set in a new temporary directory (removed at process exit), e.g. a CA the test broker does not use.
    public static func make(name: String) async throws -> TestCertificates {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("joblet-certs-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        ExitCleanup.registerDirectory(dir)
        let out = try await BrokerScript.run(["certs", dir])
        guard let made = BrokerScript.value("TLS_DIR", in: out) else {
            throw BrokerScript.Failure(description: "scripts/broker certs printed no TLS_DIR: \(out)")
        }
        return TestCertificates(directory: made)
    }
}
