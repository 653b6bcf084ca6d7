import Foundation
import JobletCore
import TestSupport
import Testing

/// Workers are bounded out of the box (worker.yml `limits.max`, the host's memory and CPUs) and say
/// so in their adverts, so the dispatcher refuses at submit what no worker would run.
@Suite(
    .integration(needs: [.root, .brokerNodes]),
    .timeLimit(.minutes(10)))
struct RNXCeilingTests {
    @Test func limitsNoWorkerAllowsAreRefusedAtSubmitNamingTheLargest() async throws {
        let cluster = try await LocalCluster.shared()
        // The test cluster's worker.yml states no maxima: these are the worker's defaults.
        for (flag, field, largest) in [
            ("--max-pids=100000", "limits.pids: 100000", "(largest: 4096)"),
            ("--max-disk=100G", "limits.disk: 100G", "(largest: 10G)"),
            ("--max-output=2G", "limits.output: 2G", "(largest: 1G)"),
            ("--timeout=48h", "limits.timeout: 48h", "(largest: 24h)"),
            ("--max-cpu=100000", "limits.cpu_percent: 100000", "(largest: \(100 * ProcessInfo.processInfo.activeProcessorCount))"),
        ] {
            let run = try await cluster.rnx(["run", flag, "--", "true"])
            #expect(run.status == 125, "\(flag): \(run)")
            #expect(run.stderr.contains(field) && run.stderr.contains(largest), "\(flag): \(run)")
        }
        // Out of every range: refused by rnx before anything is sent, naming the flag.
        let absurd = try await cluster.rnx(["run", "--max-memory=1000T", "--", "true"])
        #expect(absurd.status != 0 && absurd.stderr.contains("--max-memory: 1000T is out of range; give 4M to 64T"), "\(absurd)")
    }

    @Test func aJobThatLeavesItsLimitsOutRunsWithTheWorkersSafeDefaults() async throws {
        let cluster = try await LocalCluster.shared()
        let submitted = try await cluster.rnx(["submit", "--wait", "--", "true"])
        #expect(submitted.status == 0, "\(submitted)")
        let id = try #require(submitted.stdout.split(separator: " ").first.map(String.init))
        let status = try await cluster.rnx(["status", "--json", id])
        let record = try JSONCodec.decode(JobRecord.self, from: Array(status.stdout.utf8), rejectUnknownKeys: false)
        let limits = try #require(record.result?.limits, "\(status)")
        #expect(limits.memory == ByteSize(bytes: 1 << 30) && limits.pids == 1024 && limits.timeout == JobDuration(seconds: 3600))
        #expect(limits.disk == ByteSize(bytes: 1 << 30) && limits.output == ByteSize(bytes: 64 << 20))
    }
}

extension RNXCeilingTests {
    /// A job that failed because it could not fork says so, like the memory and time limits.
    @Test func runExplainsAProcessLimitThatFailedTheJob() async throws {
        let cluster = try await LocalCluster.shared()
        let run = try await cluster.rnx([
            "run", "--max-pids=8", "--", "sh", "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; wait",
        ])
        #expect(run.status != 0, "\(run)")
        #expect(run.stderr.contains("process limit reached (limit 8, "), "\(run)")
        #expect(run.stderr.contains("refused): raise --max-pids"), "\(run)")
    }
}
