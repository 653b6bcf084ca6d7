import Foundation
import JobletCore
import TestSupport
import Testing

/// What rnx shows when a job's output passed its `--max-output` limit.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXOutputLimitTests {
    static let script = "head -c 3000000 /dev/zero | tr '\\0' a; echo; exit 3"
    /// 3000001 bytes written, 1M kept.
    static let truncation = "[joblet] output truncated: 1.9M dropped after the 1M limit; raise --max-output\n"

    @Test func runPrintsTheKeptOutputThenTheTruncationLineAndExitsWithTheJobsCode() async throws {
        let cluster = try await LocalCluster.shared()
        let run = try await cluster.rnx(["run", "--max-output=1M", "--", "sh", "-c", Self.script])
        #expect(run.status == 3, "\(run.status) \(run.stderr)")
        #expect(run.stdout == String(repeating: "a", count: 1 << 20), "stdout: \(run.stdout.utf8.count) bytes")
        // 1M ends inside the line of a's: the worker's line starts a line of its own.
        #expect(run.stderr.hasPrefix("\n" + Self.truncation), "\(run.stderr)")
    }

    @Test func logsAndStatusShowTheTruncation() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--max-output=1M", "--", "sh", "-c", Self.script])
        #expect(submitted.status == 0, "\(submitted)")
        let jobID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let followed = try await cluster.rnx(["logs", "-f", jobID])
        #expect(followed.stdout.utf8.count == 1 << 20, "\(followed.stderr)")
        #expect(followed.stderr == "\n" + Self.truncation, "\(followed.stderr)")
        let stored = try await cluster.rnx(["logs", jobID])
        #expect(stored.stdout.utf8.count == 1 << 20, "\(stored.stderr)")
        #expect(stored.stderr == "\n" + Self.truncation, "\(stored.stderr)")

        let status = try await cluster.rnx(["status", jobID])
        #expect(status.stdout.contains("Output:"), "\(status)")
        #expect(status.stdout.contains("1.9M dropped after the 1M limit; raise --max-output"), "\(status)")
        let record = try JSONCodec.decode(
            JobRecord.self, from: Array(try await cluster.rnx(["status", "--json", jobID]).stdout.utf8),
            rejectUnknownKeys: false)
        #expect(record.result?.outputDroppedBytes == 3_000_001 - (1 << 20))
        #expect(record.logsTruncated == nil, "the dispatcher's cap (65M) was not reached")
    }

    /// 70M of output passes the dispatcher's log_bytes_per_job (65 MiB): it stores a prefix, says so,
    /// and rnx says the rest was not kept instead of waiting for it.
    @Test func theDispatchersLogCapIsVisible() async throws {
        let cluster = try await LocalCluster.shared()
        let began = ContinuousClock.now
        let submitted = try await cluster.rnx(["submit", "--max-output=100M", "--", "head", "-c", "70M", "/dev/zero"])
        let jobID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var record = try JSONCodec.decode(
            JobRecord.self, from: Array(try await cluster.rnx(["status", "--json", jobID]).stdout.utf8),
            rejectUnknownKeys: false)
        for _ in 0..<600 where !record.state.isTerminal || record.logsTruncated != true {
            try await Task.sleep(for: .milliseconds(100))
            record = try JSONCodec.decode(
                JobRecord.self, from: Array(try await cluster.rnx(["status", "--json", jobID]).stdout.utf8),
                rejectUnknownKeys: false)
        }
        #expect(record.state == .completed, "\(record)")
        #expect(record.logsTruncated == true)
        #expect(record.result?.outputDroppedBytes == nil)
        print("70M job: ended and stored in \(ContinuousClock.now - began)")

        let note = "rnx: the dispatcher stored only the first part of job \(JobID.short(jobID))'s output (its log_bytes_per_job cap); the rest was not kept\n"
        let stored = try await cluster.rnx(["logs", jobID])
        #expect(stored.status == 0)
        #expect(stored.stdout.utf8.count <= 65 << 20 && stored.stdout.utf8.count > 64 << 20, "\(stored.stdout.utf8.count)")
        #expect(stored.stderr == note, "\(stored.stderr)")
        let followStarted = ContinuousClock.now
        let followed = try await cluster.rnx(["logs", "-f", jobID])
        #expect(followed.status == 0)
        #expect(followed.stdout.utf8.count == stored.stdout.utf8.count)
        #expect(followed.stderr == note, "\(followed.stderr)")
        print("logs -f of a capped log ended in \(ContinuousClock.now - followStarted)")
        let status = try await cluster.rnx(["status", jobID])
        #expect(status.stdout.contains("the dispatcher stored only the first part (log_bytes_per_job)"), "\(status)")
    }
}
