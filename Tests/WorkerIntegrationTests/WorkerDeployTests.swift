import AMQP
import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    /// `runtime_deploy` / `runtime_remove` on a real worker: chunks from a stream queue, sha256 checked,
    /// installed with the atomic swap, advertised, reported; failures leave the old runtime serving.
    @Suite("runtime deploy to a worker")
    struct WorkerDeployTests {
        func scratch() throws -> String {
            let directory = NSTemporaryDirectory() + "joblet-deploy-test-" + JobID.generate().prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return directory
        }

        /// Runs `deploy-hello` with runtime `id` and returns its stdout.
        func hello(_ id: String, probe: BrokerProbe, worker: WorkerProcess) async throws -> String {
            let job = try await probe.submit(["deploy-hello"], runtimeID: id)
            let events = try await probe.jobEvents(for: [job], timeout: .seconds(60))
            let final = try #require(events.first { $0.state.isTerminal }, "no end for \(job):\n\(worker.log.suffix(3000))")
            #expect(final.state == .completed)
            return try await probe.output(of: job, chunks: final.result?.logChunks ?? 0)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test("deploy installs and advertises; a corrupted or oversized chunk or a wrong sha256 fails and the old version keeps serving; remove")
        func deployCorruptAndRemove() async throws {
            let directory = try scratch()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let v1 = try DeployFixture.package(name: "deploytest-1", version: "1.0", in: directory)
            let v2 = try DeployFixture.package(name: "deploytest-1", version: "1.1", padding: 300_000, in: directory)
            try await withWorker { probe, worker in
                let fixture = DeployFixture(probe: probe)
                let queue = Topology.jobQueue(runtimeID: "deploytest-1", arch: Architecture.host)
                _ = try await probe.advert(of: worker.id) { $0.status == .online }

                let first = try await fixture.deploy(v1, to: worker.id)
                #expect(first.last?.state == .installed, "\(first)\n\(worker.log.suffix(3000))")
                #expect(first.last?.message.contains("installed deploytest-1 1.0") == true, "\(first)")
                let advert = try await probe.advert(of: worker.id) { $0.queues.contains(queue) }
                #expect(advert != nil, "the deployed runtime was never advertised")
                #expect(try await hello("deploytest-1", probe: probe, worker: worker) == "deploytest-1 1.0")

                // Small chunks, so the package is several chunks and the corrupted one is in the middle.
                let corrupted = try await fixture.deploy(v2, to: worker.id, chunkSize: 64 << 10, corrupt: 2)
                let failure = try #require(corrupted.last)
                #expect(failure.state == .failed)
                #expect(
                    failure.message.contains("sha256 mismatch") && failure.message.contains("Nothing was installed"),
                    "\(failure.message)")
                #expect(corrupted.contains { $0.state == .receiving }, "no progress reports: \(corrupted)")
                #expect(try await hello("deploytest-1", probe: probe, worker: worker) == "deploytest-1 1.0")

                // A chunk past the order's chunk size is dropped as it arrives, never held whole.
                let oversized = try await fixture.deploy(v2, to: worker.id, chunkSize: 64 << 10, oversize: 1)
                #expect(oversized.last?.state == .failed)
                #expect(
                    oversized.last?.message.contains("chunk 1 is a message body of \(2 * (64 << 10)) bytes, larger than the \(64 << 10) bytes")
                        == true, "\(oversized)")
                #expect(try await hello("deploytest-1", probe: probe, worker: worker) == "deploytest-1 1.0")

                let wrongDigest = try await fixture.deploy(v2, to: worker.id, sha256: String(repeating: "0", count: 64))
                #expect(wrongDigest.last?.state == .failed)
                #expect(wrongDigest.last?.message.contains("sha256 mismatch") == true, "\(wrongDigest)")
                #expect(try await hello("deploytest-1", probe: probe, worker: worker) == "deploytest-1 1.0")

                let second = try await fixture.deploy(v2, to: worker.id, chunkSize: 64 << 10)
                #expect(second.last?.state == .installed, "\(second)")
                #expect(second.last?.message.hasPrefix("replaced deploytest-1 1.1") == true, "\(second)")
                #expect(try await hello("deploytest-1", probe: probe, worker: worker) == "deploytest-1 1.1")
                // The received package does not stay behind.
                let left = try FileManager.default.contentsOfDirectory(atPath: worker.directory + "/runtimes")
                #expect(!left.contains { $0.hasPrefix(".deploy-") }, "\(left)")

                let removed = try await fixture.remove("deploytest-1", from: worker.id)
                #expect(removed?.state == .removed, "\(String(describing: removed))")
                let gone = try await probe.advert(of: worker.id) { !$0.queues.contains(queue) }
                #expect(gone != nil, "the removed runtime is still advertised")
                let again = try await fixture.remove("deploytest-1", from: worker.id)
                #expect(again?.state == .failed && again?.message.contains("not installed") == true, "\(String(describing: again))")
            }
        }

        @Test("a package over 128 MiB deploys with the worker's memory bounded")
        func bigPackageBoundedMemory() async throws {
            let directory = try scratch()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let package = try DeployFixture.package(name: "deploytest-big", version: "1.0", padding: 140 << 20, in: directory)
            let size = try FileManager.default.attributesOfItem(atPath: package)[.size] as? Int ?? 0
            #expect(size > 128 << 20)
            try await withWorker { probe, worker in
                _ = try await probe.advert(of: worker.id) { $0.status == .online }
                let before = ResidentMemory.current(pid: worker.process.processIdentifier) ?? 0
                let memory = ResidentMemory(pid: worker.process.processIdentifier)
                memory.start()
                let reports = try await DeployFixture(probe: probe).deploy(package, to: worker.id)
                let (peak, samples) = await memory.stop()
                #expect(reports.last?.state == .installed, "\(reports)\n\(worker.log.suffix(3000))")
                print("deploy of \(size >> 20) MiB: worker RSS \(before >> 20) MiB before, peak \(peak >> 20) MiB (\(samples) samples)")
                // Chunks in flight are at most ~16 MiB; the package is 140 MiB.
                #expect(peak - before < 64 << 20, "worker RSS grew by \((peak - before) >> 20) MiB")
                #expect(try await hello("deploytest-big", probe: probe, worker: worker) == "deploytest-big 1.0")
            }
        }
    }
}
