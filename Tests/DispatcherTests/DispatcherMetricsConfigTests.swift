import Dispatcher
import Foundation
import JobletCore
import JobletMetrics
import TestSupport
import Testing

/// The `metrics:` section of dispatcher.yml: the sample's block switched on, and what is refused.
struct DispatcherMetricsConfigTests {
    func load(_ text: String) throws -> DispatcherConfig {
        let dir = ScratchPath.make("dispatcher-metrics-config")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/dispatcher.yml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try DispatcherConfig.load(path: path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        return loaded.config
    }

    @Test func theSampleBlockUncommentedServesOnLoopback() throws {
        let sample = try String(contentsOfFile: DispatcherMetricsConfigTests.repoRoot + "/config/dispatcher.yml", encoding: .utf8)
        let block = try #require(sample.range(of: "# metrics:\n#   port: 9465\n#   bind: 127.0.0.1\n"), "the sample lost its metrics block")
        let enabled = sample.replacingCharacters(in: block, with: "metrics:\n  port: 9465\n  bind: 127.0.0.1\n")
        #expect(try load(enabled).metrics == MetricsEndpoint(port: 9465, bind: "127.0.0.1"))
        #expect(try load("metrics:\n  port: 0\n").metrics == MetricsEndpoint(port: 0, bind: "127.0.0.1"))
        #expect(try load("state_dir: /tmp/x\n").metrics == nil, "off unless configured")
    }

    @Test func aPortOutOfRangeIsAConfigErrorSayingWhatToGive() throws {
        do {
            _ = try load("metrics:\n  port: 70000\n")
            Issue.record("port 70000 was accepted")
        } catch let error as DispatcherError {
            #expect(error.code == .invalidConfig)
            #expect(error.message == "metrics.port: give 0 to 65535 (it is 70000; 0 picks a free port)")
        }
    }

    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
