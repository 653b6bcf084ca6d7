#if canImport(Glibc)
    import Glibc
#endif
import AMQP
import JobletCore
import JobletMessaging
import TestSupport
import Testing
import Worker

extension WorkerSuites {
    @Suite("Prometheus metrics")
    struct WorkerMetricsTests {
        @Test("GET /metrics on loopback reports jobs started, finished, failed, slots and spawn latency")
        func metricsOverHTTP() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 3, extra: "metrics:\n  port: 0") }) { probe, worker in
                _ = try #require(try await probe.advert(of: worker.id))
                let port = try #require(worker.metricsPort, "the worker logged no metrics address:\n\(worker.log)")

                let ok = try await probe.submit(["true"])
                let bad = try await probe.submit(["sh", "-c", "exit 2"])
                let events = try await probe.jobEvents(for: [ok, bad])
                #expect(events.filter { $0.state.isTerminal }.count == 2)
                // Jobs the shared queue gave to other workers do not count here.
                let mine = events.filter { $0.state.isTerminal && $0.workerID == worker.id }
                let mineFailed = mine.filter { $0.state != .completed }.count

                // The slot frees after the job's cleanup, which follows its result: wait for the gauges to settle.
                let label = "{worker=\"\(worker.id)\"}"
                var response = try HTTPGet.get(port: port, path: "/metrics")
                for _ in 0..<50 where PrometheusText.samples(response.body)["joblet_worker_jobs_running\(label)"] != 0 {
                    try await Task.sleep(for: .milliseconds(100))
                    response = try HTTPGet.get(port: port, path: "/metrics")
                }
                #expect(response.status == 200)
                #expect(response.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
                let samples = PrometheusText.samples(response.body)
                #expect(samples["joblet_worker_jobs_started_total\(label)"] == Double(mine.count))
                #expect(samples["joblet_worker_jobs_finished_total\(label)"] == Double(mine.count))
                #expect(samples["joblet_worker_jobs_failed_total\(label)"] == Double(mineFailed))
                #expect(samples["joblet_worker_jobs_running\(label)"] == 0)
                #expect(samples["joblet_worker_slots\(label)"] == 3)
                #expect(samples["joblet_worker_slots_busy\(label)"] == 0)
                #expect(samples["joblet_worker_spawn_latency_seconds_count\(label)"] == Double(mine.count))
                #expect(samples["joblet_worker_spawn_latency_seconds_bucket{worker=\"\(worker.id)\",le=\"+Inf\"}"] == Double(mine.count))
                #expect(response.body.contains("# TYPE joblet_worker_spawn_latency_seconds histogram"))

                let missing = try HTTPGet.get(port: port, path: "/other")
                #expect(missing.status == 404)
            }
        }

        /// A worker holds nothing for a job once it ended: its heap in use is as flat after 600 more jobs as
        /// the allocator's own bookkeeping. (Each job's one-hour timeout sleep, cut short by the job's end,
        /// once kept its timer until the hour was over, about 750 bytes a job: +588 KiB here, +139-179
        /// without.) A broker of its own, so that every job runs on this worker.
        @Test("the worker's heap in use does not grow with the jobs it runs")
        func heapStaysFlatOverJobs() async throws {
            try await withPrivateBrokerWorker("worker-heap", slots: 4, extra: "metrics:\n  port: 0") { _, probe, worker in
                _ = try #require(try await probe.advert(of: worker.id))
                let port = try #require(worker.metricsPort, "the worker logged no metrics address:\n\(worker.log)")
                let series = "joblet_worker_heap_in_use_bytes{worker=\"\(worker.id)\"}"
                func heap() throws -> Double {
                    try #require(PrometheusText.samples(try HTTPGet.get(port: port, path: "/metrics").body)[series], "no \(series)")
                }
                func run(_ count: Int) async throws {
                    var ids: Set<String> = []
                    for _ in 0..<count { ids.insert(try await probe.submit(["true"])) }
                    let ends = try await probe.jobEvents(for: ids, timeout: .seconds(240)).filter { $0.state.isTerminal }
                    #expect(ends.count == count && ends.allSatisfy { $0.state == .completed })
                }
                // Warm-up: buffers, caches and spare namespaces made once count as before.
                try await run(100)
                let before = try heap()
                try await run(600)
                let after = try heap()
                print("heap: \(Int(before) >> 10) -> \(Int(after) >> 10) KiB over 600 jobs")
                #expect(after - before < 300 * 1024, "heap in use grew from \(Int(before) >> 10) to \(Int(after) >> 10) KiB over 600 jobs")
            }
        }
    }
}
