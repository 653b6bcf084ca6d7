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
    @Suite("job output: bounded memory, output limit")
    struct WorkerOutputTests {
        static let megabyte = 1 << 20

        // A node of its own: on the shared broker a dispatcher queue of another suite may be bound to
        // every log key and would have to hold the whole flood.
        @Test(
            "a 1 GiB flood of stdout is published with the worker's RSS within 64 MiB of idle",
            .timeLimit(.minutes(5)))
        func floodKeepsWorkerMemoryBounded() async throws {
            try await withPrivateBrokerWorker("worker-output", slots: 1) { _, probe, worker in
                // Nobody follows the flood: the broker confirms and drops each chunk, so the broker is not what is measured.
                try await probe.channel.unbindQueue(probe.logs, exchange: Topology.logsExchange, routingKey: "#")
                _ = try #require(try await probe.advert(of: worker.id))
                let pid = worker.process.processIdentifier

                // One small job first, so what a first job costs once (threads, buffers) counts as idle.
                let warmUp = try await probe.submit(["true"])
                _ = try await probe.jobEvents(for: [warmUp])
                try await Task.sleep(for: .milliseconds(500))
                let idle = try #require(ResidentMemory.current(pid: pid))

                let rss = ResidentMemory(pid: pid)
                rss.start()
                let began = ContinuousClock.now
                let gibibyte = ByteSize(bytes: 1 << 30)
                let flood = try await probe.submit(["head", "-c", "1G", "/dev/zero"], limits: JobLimits(output: gibibyte))
                let events = try await probe.jobEvents(for: [flood], timeout: .seconds(240))
                let took = ContinuousClock.now - began
                let (peak, samples) = await rss.stop()

                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .completed, "\(final)")
                let result = try #require(final.result)
                #expect(result.outputDroppedBytes == nil)
                // Coalesced to logs.chunk_bytes (the default), so at least 1 GiB / chunk_bytes chunks carried it.
                #expect(result.logChunks >= UInt64((1 << 30) / WorkerConfig().logChunkBytes.bytes))
                print("flood: idle RSS \(idle / Self.megabyte) MiB, peak \(peak / Self.megabyte) MiB over \(samples) samples, 1 GiB in \(took)")
                #expect(samples > 10)
                #expect(peak - idle <= 64 * Self.megabyte, "worker RSS grew from \(idle / Self.megabyte) to \(peak / Self.megabyte) MiB")
            }
        }

        @Test("past --max-output the job's output is published exactly up to the limit, in order, then a truncation line; the result counts the rest")
        func outputLimitTruncates() async throws {
            try await withWorker { probe, worker in
                let limit = ByteSize(bytes: 1 << 20)
                let id = try await probe.submit(["sh", "-c", "seq 1 300000; exit 3"], limits: JobLimits(output: limit))
                let events = try await probe.jobEvents(for: [id])
                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .failed)
                let result = try #require(final.result)
                #expect(result.exitCode == 3)

                let everything = Array((1...300000).map { "\($0)\n" }.joined().utf8)
                let dropped = UInt64(everything.count) - UInt64(limit.bytes)
                #expect(result.outputDroppedBytes == dropped)
                let chunks = try await probe.collect(probe.logs, timeout: .seconds(20)) { deliveries in
                    deliveries.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == id }.count >= Int(result.logChunks)
                }.compactMap { try? LogChunk(delivery: $0) }.filter { $0.jobID == id }.sorted { $0.seq < $1.seq }
                #expect(chunks.map(\.seq) == Array(0..<result.logChunks))
                let stdout = chunks.filter { $0.stream == "stdout" }.flatMap(\.data)
                #expect(stdout == Array(everything.prefix(Int(limit.bytes))), "stdout is the first 1M, in order")
                #expect(chunks.last?.stream == "stderr")
                let stderr = String(decoding: chunks.filter { $0.stream == "stderr" }.flatMap(\.data), as: UTF8.self)
                // 1M ends inside a number, so the worker's line starts a line of its own.
                #expect(stderr == "\n[joblet] output truncated: \(ByteSize(bytes: Int64(dropped))) dropped after the 1M limit; raise --max-output\n")
                #expect(result.outputTruncation == "output truncated: \(ByteSize(bytes: Int64(dropped))) dropped after the 1M limit; raise --max-output")
            }
        }

        @Test(
            "past the limit the pipe is still drained: 1 GiB with a 1M limit finishes, dropped counted, RSS bounded",
            .timeLimit(.minutes(3)))
        func drainPastLimit() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 1) }) { probe, worker in
                _ = try #require(try await probe.waitUntilSoleHostConsumer(worker.id))
                let pid = worker.process.processIdentifier
                let idle = try #require(ResidentMemory.current(pid: pid))
                let cpuBefore = ResidentMemory.cpuSeconds(pid: pid) ?? 0
                let rss = ResidentMemory(pid: pid)
                rss.start()
                let began = ContinuousClock.now
                let id = try await probe.submit(["head", "-c", "1G", "/dev/zero"], limits: JobLimits(output: ByteSize(bytes: 1 << 20)))
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(120))
                let took = ContinuousClock.now - began
                let (peak, _) = await rss.stop()
                let cpu = (ResidentMemory.cpuSeconds(pid: pid) ?? 0) - cpuBefore

                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .completed)
                #expect(final.result?.outputDroppedBytes == UInt64(1 << 30) - UInt64(1 << 20))
                print("drain: 1 GiB past a 1M limit in \(took), worker CPU \(cpu) s, RSS idle \(idle / Self.megabyte) MiB, peak \(peak / Self.megabyte) MiB")
                #expect(peak - idle <= 64 * Self.megabyte)
            }
        }
    }
}
