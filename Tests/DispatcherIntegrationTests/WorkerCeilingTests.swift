import AMQP
import Foundation
import JobletCore
import JobletMessaging
import Testing

/// Workers advertise their maxima; the dispatcher sends a job only where it fits and believes no
/// advert a real worker would not send.
extension DispatcherClusterTests {
    @Suite struct WorkerCeilingTests {
        @Test func aJobOverEveryWorkersCeilingIsRejectedAtSubmitNamingTheLargest() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = try await harness.advertiseFakeWorker { $0.maxLimits = JobLimits(pids: 100, timeout: JobDuration(seconds: 3600)) }.language

            let over = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", limits: JobLimits(pids: 200)))
            #expect(over.status == .rejected)
            #expect(over.error?.code == "over_worker_limits")
            #expect(
                over.error?.message.hasPrefix("limits.pids: 200 is more than any worker that can run \(language)-1 allows (largest: 100)") == true,
                "\(String(describing: over.error))")
            let fits = try await harness.submit(JobRequest(command: ["true"], runtime: "\(language):1", limits: JobLimits(pids: 100)))
            #expect(fits.status == .accepted, "\(String(describing: fits.error))")

            // Each limit fits some worker, but no worker allows both.
            _ = try await harness.advertiseFakeWorker(language: language) { $0.maxLimits = JobLimits(pids: 10, timeout: JobDuration(seconds: 86_400)) }
            let neither = try await harness.submit(
                JobRequest(
                    command: ["true"], runtime: "\(language):1",
                    limits: JobLimits(pids: 50, timeout: JobDuration(seconds: 7200))))
            #expect(neither.error?.code == "over_worker_limits")
            #expect(
                neither.error?.message.hasPrefix("no single worker that can run \(language)-1 allows all of these limits") == true,
                "\(String(describing: neither.error))")
        }

        /// A worker user's advert that would keep it in the fleet forever (interval 1e300) is refused and
        /// counted, never listed.
        @Test func anAdvertOutOfRangeIsRefusedNotListed() async throws {
            let harness = try await DispatcherHarness()
            defer { harness.terminate() }
            let language = DispatcherHarness.uniqueLanguage()
            var immortal = DispatcherHarness.fakeWorker(runtimeID: "\(language)-1", language: language, version: "1")
            immortal.interval = 1e300
            try await harness.publishAdvert(immortal)
            var counts: [String: Int] = [:]
            for _ in 0..<100 {
                counts = try await harness.query(RPCRequest(method: .stats)).refusals ?? [:]
                if counts["advert", default: 0] >= 1 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(counts["advert"] == 1, "\(counts)")
            let workers = try await harness.query(RPCRequest(method: .workers)).workers ?? []
            #expect(!workers.contains { $0.workerID == immortal.workerID })
        }
    }
}
