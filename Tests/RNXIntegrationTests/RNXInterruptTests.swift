import Foundation
import JobletCore
import TestSupport
import Testing

/// Ctrl-C during `rnx run`, driven for real: through a pseudo-terminal (the prompt) and through
/// pipes (no terminal: detach). Jobs wait on a file in a volume, so "still running" is a fact, not a race.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXInterruptTests {
    /// A job that prints `started`, waits until the test creates `go` in its volume, prints `finished`.
    struct GatedJob {
        let volume = "gate-\(UUID().uuidString.prefix(8).lowercased())"
        let cluster: LocalCluster
        var arguments: [String] {
            [
                "--volume", volume, "--", "sh", "-c",
                "echo started; while [ ! -e /volumes/\(volume)/go ]; do sleep 0.2; done; echo finished",
            ]
        }
        var goFile: String { cluster.volumePath(volume) + "/go" }
    }

    func record(_ cluster: LocalCluster, _ jobID: String) async throws -> JobRecord {
        let result = try await cluster.rnx(["status", "--json", jobID])
        #expect(result.status == 0, "\(result)")
        return try JSONCodec.decode(JobRecord.self, from: Array(result.stdout.utf8), rejectUnknownKeys: false)
    }

    /// The record once the dispatcher has stored a terminal state (it consumes events asynchronously).
    func terminalRecord(_ cluster: LocalCluster, _ jobID: String) async throws -> JobRecord {
        var current = try await record(cluster, jobID)
        for _ in 0..<100 where !current.state.isTerminal {
            try await Task.sleep(for: .milliseconds(100))
            current = try await record(cluster, jobID)
        }
        return current
    }

    /// The job id from the reattach hint `rnx logs -f <id>`.
    func reattachID(_ text: String) -> String? {
        guard let range = text.range(of: #"rnx logs -f [0-9a-f]{32}"#, options: .regularExpression) else { return nil }
        return String(text[range].suffix(32))
    }

    @Test func ctrlCOnATerminalThenCancelEndsTheJobCancelled() async throws {
        let cluster = try await LocalCluster.shared()
        let name = "tty-cancel-\(UUID().uuidString.prefix(8))"
        let session = try await cluster.interactive(
            ["run", "--name", name, "--", "sh", "-c", "echo started; sleep 300"], tty: true,
            steps: [.expect("started"), .write("\u{3}"), .expect("cancel job"), .write("y\n")])
        #expect(session.error == nil, "\(session)")
        #expect(session.status == 130, "\(session)")
        #expect(session.output.contains("cancel requested"), "\(session)")
        #expect(!session.output.contains("detached"), "\(session)")

        let listed = try await cluster.rnx(["list", "--json", "--limit", "500"])
        let jobs = try JSONCodec.decode([JobRecord].self, from: Array(listed.stdout.utf8), rejectUnknownKeys: false)
        let job = try #require(jobs.first { $0.name == name }, "\(listed)")
        #expect(try await terminalRecord(cluster, job.jobID).state == .cancelled)
    }

    @Test func ctrlCOnATerminalThenDetachLeavesTheJobRunningAndLogsReattaches() async throws {
        let cluster = try await LocalCluster.shared()
        let job = GatedJob(cluster: cluster)
        let session = try await cluster.interactive(
            ["run"] + job.arguments, tty: true,
            steps: [.expect("started"), .write("\u{3}"), .expect("cancel job"), .write("\n")])
        #expect(session.error == nil, "\(session)")
        #expect(session.status == 130, "\(session)")
        #expect(session.output.contains("detached"), "\(session)")
        let jobID = try #require(reattachID(session.output), "\(session)")

        // The job is still running: it waits for the file only this test creates.
        #expect(try await record(cluster, jobID).state == .running)

        let reattached = try await cluster.interactive(
            ["logs", "-f", jobID], tty: false,
            steps: [.expect("started"), .touch(job.goFile)])
        #expect(reattached.error == nil, "\(reattached)")
        #expect(reattached.status == 0, "\(reattached)")
        #expect(reattached.stdout == "started\nfinished\n", "\(reattached)")
        #expect(try await terminalRecord(cluster, jobID).state == .completed)
    }

    @Test func sigintWithoutATerminalDetachesAndTheJobKeepsRunning() async throws {
        let cluster = try await LocalCluster.shared()
        let job = GatedJob(cluster: cluster)
        let session = try await cluster.interactive(
            ["run"] + job.arguments, tty: false,
            steps: [.expect("started"), .signal(SIGINT)])
        #expect(session.error == nil, "\(session)")
        #expect(session.status == 130, "\(session)")
        #expect(session.stdout == "started\n", "\(session)")
        #expect(!session.stderr.contains("cancel job"), "no prompt without a terminal: \(session)")
        #expect(session.stderr.contains("detached"), "\(session)")
        let jobID = try #require(reattachID(session.stderr), "\(session)")
        #expect(try await record(cluster, jobID).state == .running)

        _ = FileManager.default.createFile(atPath: job.goFile, contents: nil)
        let followed = try await cluster.rnx(["logs", "-f", jobID])
        #expect(followed.status == 0, "\(followed)")
        #expect(followed.stdout == "started\nfinished\n", "\(followed)")
        #expect(try await terminalRecord(cluster, jobID).state == .completed)
    }
}
