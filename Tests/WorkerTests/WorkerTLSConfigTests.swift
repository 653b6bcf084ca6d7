import Worker
import Foundation
import JobletCore
import TestSupport
import Testing

/// The `broker.tls` block documented (commented out) in config/worker.yml, switched on.
struct WorkerTLSConfigTests {
    @Test func theSampleTLSBlockLoadsIntoBrokerTLS() throws {
        let dir = NSTemporaryDirectory() + "worker-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pem = dir + "/file.pem"
        let path = try SampleTLSConfig.write(sample: "worker.yml", into: dir, pem: pem)
        let loaded = try WorkerConfig.load(path: path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let tls = try #require(loaded.config.brokerTLS)
        #expect(tls.ca == pem && tls.cert == pem && tls.key == pem)
        #expect(tls.verifyHostname)
    }

    @Test func aMissingCAFileIsAConfigErrorNamingTheKey() throws {
        let dir = NSTemporaryDirectory() + "worker-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/worker.yml"
        try "broker:\n  urls: [\"amqps://mq:5671/\"]\n  tls:\n    ca: \(dir)/missing.pem\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try WorkerConfig.load(path: path)
            Issue.record("a missing CA file was accepted")
        } catch let error as WorkerError {
            #expect(error.code == .invalidConfig)
            #expect(error.message.hasPrefix("broker.tls.ca: cannot read \(dir)/missing.pem"), "\(error.message)")
        }
    }
}
