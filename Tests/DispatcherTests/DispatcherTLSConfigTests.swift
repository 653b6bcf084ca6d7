import Dispatcher
import Foundation
import JobletCore
import TestSupport
import Testing

/// The `broker.tls` block documented (commented out) in config/dispatcher.yml, switched on.
struct DispatcherTLSConfigTests {
    @Test func theSampleTLSBlockLoadsIntoBrokerTLS() throws {
        let dir = NSTemporaryDirectory() + "dispatcher-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pem = dir + "/file.pem"
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(toFile: pem, atomically: true, encoding: .utf8)
        let sample = try String(contentsOfFile: RepositoryRoot.path + "/config/dispatcher.yml", encoding: .utf8)
        let enabled = sample.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let text = String(line)
            for key in ["tls:", "  ca:", "  cert:", "  key:", "  verify_hostname:"] where text.hasPrefix("  # \(key)") {
                let value = String(text.dropFirst(4))
                return "  " + value.replacing(/\/etc\/joblet\/[a-z-]+\.(pem|key)/, with: pem)
            }
            return text
        }.joined(separator: "\n")
        let path = dir + "/dispatcher.yml"
        try enabled.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try DispatcherConfig.load(path: path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let tls = try #require(loaded.config.broker.tls)
        #expect(tls.ca == pem && tls.cert == pem && tls.key == pem)
        #expect(tls.verifyHostname)
    }

    @Test func aMissingCAFileIsAConfigErrorNamingTheKey() throws {
        let dir = NSTemporaryDirectory() + "dispatcher-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dispatcher.yml"
        try "broker:\n  urls: [\"amqps://mq:5671/\"]\n  tls:\n    ca: \(dir)/missing.pem\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try DispatcherConfig.load(path: path)
            Issue.record("a missing CA file was accepted")
        } catch let error as DispatcherError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.hasPrefix("broker.tls.ca: cannot read \(dir)/missing.pem"), "\(error.message)")
        }
    }
}
