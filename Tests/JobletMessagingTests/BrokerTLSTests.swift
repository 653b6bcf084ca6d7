import Foundation
import JobletCore
import TestSupport
import Testing
@testable import JobletMessaging

@Suite("broker.tls: the same TLS settings for worker, dispatcher and rnx")
struct BrokerTLSTests {
    /// A temp dir with a PEM-looking file and a file that is not PEM.
    private func files() throws -> (dir: String, pem: String, notPEM: String) {
        let dir = ScratchPath.make("broker-tls")  // callers remove it; at exit too if a write here fails
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let pem = dir + "/ca.pem", notPEM = dir + "/ca.der"
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: pem, atomically: true, encoding: .utf8)
        try "binary".write(toFile: notPEM, atomically: true, encoding: .utf8)
        return (dir, pem, notPEM)
    }

    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as JobletError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func decodesTheYAMLKeysWithHostnameCheckingOnByDefault() throws {
        let on = try YAML.decode(BrokerTLS.self, from: "ca: /etc/joblet/ca.pem\ncert: /c.pem\nkey: /c.key\n").value
        #expect(on == BrokerTLS(ca: "/etc/joblet/ca.pem", cert: "/c.pem", key: "/c.key", verifyHostname: true))
        let off = try YAML.decode(BrokerTLS.self, from: "verify_hostname: false\n").value
        #expect(off.verifyHostname == false)
        #expect(off.ca == nil)
    }

    @Test func optionsCarryTheFilesToTheAMQPLibrary() throws {
        let (dir, pem, _) = try files()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let options = try BrokerTLS(ca: pem, cert: pem, key: pem, verifyHostname: false).options()
        #expect(options.caCertificatePath == pem)
        #expect(options.certificatePath == pem)
        #expect(options.keyPath == pem)
        #expect(options.verifyPeer)
        #expect(!options.verifyHostname)
        // No CA: the library's system bundle.
        #expect(try BrokerTLS().options().caCertificatePath == nil)
    }

    @Test func fileErrorsNameTheKeyAndWhatToGive() throws {
        let (dir, pem, notPEM) = try files()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = message { _ = try BrokerTLS(ca: dir + "/nope.pem").options() }
        #expect(missing?.hasPrefix("broker.tls.ca: cannot read \(dir)/nope.pem (No such file or directory)") == true, "\(missing ?? "no error")")
        #expect(missing?.contains("system CAs") == true)
        let garbage = message { _ = try BrokerTLS(ca: notPEM).options() }
        #expect(garbage?.contains("broker.tls.ca: \(notPEM) is not a PEM file") == true, "\(garbage ?? "no error")")
        let lonely = message { _ = try BrokerTLS(cert: pem).options() }
        #expect(lonely?.hasPrefix("broker.tls.cert is set but broker.tls.key is not") == true, "\(lonely ?? "no error")")
        let keys = BrokerTLS.Keys(section: "--tls-ca", ca: "--tls-ca", cert: "--tls-cert", key: "--tls-key")
        let flag = message { _ = try BrokerTLS(ca: dir + "/nope.pem").options(keys: keys) }
        #expect(flag?.hasPrefix("--tls-ca: cannot read") == true, "\(flag ?? "no error")")
    }

    @Test func tlsWithoutAnAmqpsURLIsRefusedAndWithOneApplied() throws {
        let (dir, pem, _) = try files()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = BrokerSettings(urls: ["amqp://u:secret@mq1:5672/"], tls: BrokerTLS(ca: pem))
        let refused = message { _ = try plain.configuration(connectionName: "t", environment: [:]) }
        #expect(refused?.contains("broker.tls is set but no broker URL is amqps://") == true, "\(refused ?? "no error")")
        #expect(refused?.contains("secret") == false, "the password is not shown")

        let tls = BrokerSettings(urls: ["amqps://mq1:5671/"], tls: BrokerTLS(ca: pem))
        let configuration = try tls.configuration(
            connectionName: "t",
            environment: ["JOBLET_BROKER_USER": "u", "JOBLET_BROKER_PASSWORD": "p"])
        #expect(configuration.urls == ["amqps://u:p@mq1:5671/"])
        #expect(configuration.tls?.caCertificatePath == pem)
        #expect(try BrokerSettings(urls: ["amqps://mq1/"]).configuration(connectionName: "t", environment: [:]).tls == nil)
    }
}
