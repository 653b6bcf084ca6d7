import Foundation
import TestSupport
import Testing

/// Input errors and an unreachable broker: no cluster needed, the answer must still be clear.
struct RNXInputTests {
    @Test func badSizeShowsTheAcceptedForms() async throws {
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["run", "--max-memory=12Q", "--", "true"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("--max-memory"), "\(result)")
        #expect(result.stderr.contains("\"512M\""), "\(result)")
    }

    @Test func badDurationShowsTheAcceptedForms() async throws {
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["submit", "--timeout=soon", "--", "true"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("--timeout") && result.stderr.contains("\"10m\""), "\(result)")
    }

    @Test func unreachableBrokerSaysWhatToDo() async throws {
        // Port 1 on loopback: nothing listens there.
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["--broker", "amqp://alice:s3cret@127.0.0.1:1/", "list"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("cannot reach broker at 127.0.0.1:1"), "\(result)")
        #expect(result.stderr.contains("JOBLET_BROKER"), "\(result)")
        #expect(!result.stderr.contains("s3cret"), "the password is not printed: \(result)")

        let fromEnvironment = try await Subprocess.run(
            LocalCluster.rnxPath, ["workers"],
            environment: ["JOBLET_BROKER": "amqp://127.0.0.1:1/"])
        #expect(fromEnvironment.status == 1 && fromEnvironment.stderr.contains("127.0.0.1:1"), "\(fromEnvironment)")
    }

    @Test func configFileNamesTheBroker() async throws {
        let directory = NSTemporaryDirectory() + "rnx-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "broker: amqp://127.0.0.1:2/\nconnect_timeout: 2s\n".write(toFile: directory + "/rnx.yml", atomically: true, encoding: .utf8)
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["list", "--config", directory + "/rnx.yml"])
        #expect(result.status == 1 && result.stderr.contains("127.0.0.1:2"), "\(result)")

        try "broker: [oops\n".write(toFile: directory + "/bad.yml", atomically: true, encoding: .utf8)
        let bad = try await Subprocess.run(LocalCluster.rnxPath, ["list", "--config", directory + "/bad.yml"])
        #expect(bad.status != 0 && bad.stderr.contains("bad.yml"), "\(bad)")
    }

    @Test func oversizedUploadIsRefusedBeforeSending() async throws {
        let path = NSTemporaryDirectory() + "rnx-big-\(UUID().uuidString).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Random bytes do not compress: 9 MiB stays over the 8 MiB default limit.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(9 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let result = try await Subprocess.run(
            LocalCluster.rnxPath,
            [
                "submit", "--broker", "amqp://127.0.0.1:1/",
                "--upload", path, "--", "true",
            ])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("limit for inline uploads"), "\(result)")
        #expect(!result.stderr.contains("cannot reach broker"), "\(result)")
    }

    @Test func emptyCommandIsAUsageError() async throws {
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["run", "--runtime=python:3.11"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("give the command"), "\(result)")
    }

    @Test func completionScriptsAreGenerated() async throws {
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["--generate-completion-script", "bash"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("runtime") && result.stdout.contains("--max-memory"))
    }

    @Test func aLocalFileErrorKeepsItsCause() async throws {
        let missing = "/nonexistent-\(UUID().uuidString)"
        let result = try await Subprocess.run(LocalCluster.rnxPath, ["runtime", "pack", missing, "-o", missing + ".tar.gz"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("\(missing)/runtime.yml"), "\(result)")
        // The failing call's errno, which scripts and bug reports match on.
        #expect(result.stderr.contains("(errno \(ENOENT))"), "\(result)")
    }
}
