import Foundation
import JobletCore
import JobletMessaging
import TestSupport
import Testing

extension WorkerSuites {
    /// `limits.disk`: /work, /tmp and the upload live on a loop-backed filesystem of the limit.
    @Suite("job disks", .enabled(if: access("/dev/loop-control", W_OK) == 0))
    struct WorkerDiskTests {
        static let limit = ByteSize(bytes: 64 << 20)

        /// Mounts, loop devices (backing files) and disk images under `directory`: none may outlive the job's disk.
        static func traces(under directory: String) -> [String] {
            let images = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/disks")) ?? [])
            return TestMounts.diskTraces(mentioning: directory) + images.map { "disk \($0)" }
        }

        /// Nothing of the worker's disks is left: waits for the slot's clean-up, which follows the result.
        static func nothingLeft(under directory: String) async -> [String] { await TestMounts.settled(tries: 250) { traces(under: directory) } }

        /// Free bytes of the filesystem holding `path`.
        static func freeBytes(_ path: String) -> Int64 {
            var info = statvfs()
            guard statvfs(path, &info) == 0 else { return 0 }
            return Int64(info.f_bavail) * Int64(info.f_frsize)
        }

        /// The most host disk any job disk image took, sampled until `stop` is set.
        final class SpaceWatch: @unchecked Sendable {
            private let lock = NSLock()
            private var minFree = Int64.max
            private var maxImage: Int64 = 0
            private var done = false
            let directory: String
            let baseline: Int64

            init(directory: String) {
                self.directory = directory
                baseline = WorkerDiskTests.freeBytes(directory)
            }

            func run() async {
                while !lock.withLock({ done }) {
                    let free = WorkerDiskTests.freeBytes(directory)
                    var image: Int64 = 0
                    for name in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/state/disks")) ?? [] {
                        var info = stat()
                        if stat(directory + "/state/disks/\(name)/image", &info) == 0 { image = max(image, Int64(info.st_blocks) * 512) }
                    }
                    lock.withLock {
                        minFree = min(minFree, free); maxImage = max(maxImage, image)
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }

            func stop() -> (drop: Int64, image: Int64) {
                lock.withLock {
                    done = true; return (baseline - minFree, maxImage)
                }
            }
        }

        @Test("a job writing past --max-disk gets ENOSPC, fails with disk_limit, and the host lost at most the limit")
        func writesStopAtTheLimit() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 1) }) { probe, worker in
                _ = try #require(try await probe.waitUntilSoleHostConsumer(worker.id))

                let watch = SpaceWatch(directory: worker.directory)
                let watching = Task { await watch.run() }
                // 2 GiB without a limit; stopped at 64M with one.
                let id = try await probe.submit(
                    ["sh", "-c", "dd if=/dev/zero of=/work/big bs=1M count=2048 2>&1; status=$?; sync; exit $status"],
                    limits: JobLimits(disk: Self.limit))
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(120))
                let (drop, image) = watch.stop()
                watching.cancel()

                let final = try #require(events.first { $0.state.isTerminal })
                #expect(final.state == .failed)
                let result = try #require(final.result)
                #expect(result.reason == "disk_limit")
                #expect(result.limits?.disk == Self.limit)
                #expect(result.unenforcedLimits?.contains("disk") != true)
                let output = try await probe.output(of: id, chunks: result.logChunks)
                #expect(output.contains("No space left on device"), "\(output)")
                #expect(image <= Self.limit.bytes, "the image grew to \(image) bytes")
                // Other work on this host (builds) moves free space too: 2 GiB would show, 64M must not stand out.
                #expect(drop < Self.limit.bytes + (448 << 20), "host free space dropped by \(drop) bytes")
                #expect(await Self.nothingLeft(under: worker.directory) == [])
            }
        }

        @Test("an upload that expands past --max-disk fails with disk_limit before the job starts, and leaves nothing")
        func uploadBombStopsAtTheLimit() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 1) }) { probe, worker in
                _ = try #require(try await probe.waitUntilSoleHostConsumer(worker.id))

                // 256 MiB of one letter: a few hundred KiB as tar.gz (not zeros: those are extracted as holes).
                let source = worker.directory + "/bomb"
                try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
                #expect(FileManager.default.createFile(atPath: source + "/letters", contents: Data(repeating: UInt8(ascii: "a"), count: 256 << 20)))
                let tar = Process()
                tar.executableURL = URL(fileURLWithPath: "/bin/tar")
                tar.arguments = ["-czf", worker.directory + "/bomb.tar.gz", "-C", source, "letters"]
                try tar.run()
                tar.waitUntilExit()
                try FileManager.default.removeItem(atPath: source)
                let archive = try [UInt8](Data(contentsOf: URL(fileURLWithPath: worker.directory + "/bomb.tar.gz")))
                #expect(archive.count < 2 << 20)

                let watch = SpaceWatch(directory: worker.directory)
                let watching = Task { await watch.run() }
                let id = JobID.generate()
                let message = JobMessage(
                    jobID: id, runtimeID: nil,
                    request: JobRequest(
                        command: ["sh", "-c", "ls -la /work; df -k /work"], upload: JobUpload(archive: archive),
                        limits: JobLimits(disk: Self.limit)),
                    submitter: BrokerProbe.submitter, submittedAt: Clock.now, maxAttempts: 1)
                try await probe.publishRaw(
                    Envelope.encode(message), target: Topology.target(runtimeID: nil, arch: Architecture.host),
                    type: MessageType.job)
                let events = try await probe.jobEvents(for: [id], timeout: .seconds(120))
                let (_, image) = watch.stop()
                watching.cancel()

                let final = try #require(events.first { $0.state.isTerminal })
                let shown = try await probe.output(of: id, chunks: final.result?.logChunks ?? 0)
                #expect(final.state == .failed, "\(shown)")
                #expect(final.result?.reason?.hasPrefix("disk_limit") == true, "\(final.result?.reason ?? "")")
                #expect(final.result?.reason?.contains("upload") == true)
                #expect(image <= Self.limit.bytes, "the image grew to \(image) bytes")
                #expect(await Self.nothingLeft(under: worker.directory) == [])
            }
        }

        @Test("/proc/self/mountinfo shows no host path for /work; the next job on the slot sees none of the last one's files")
        func noHostPathAndAFreshDiskPerJob() async throws {
            try await withWorker({ try await WorkerProcess(url: $0, slots: 1) }) { probe, worker in
                _ = try #require(try await probe.waitUntilSoleHostConsumer(worker.id))

                let first = try await probe.submit(
                    ["sh", "-c", "cat /proc/self/mountinfo; stat -f -c 'fsid %i' /work; echo secret > /work/mine; echo t > /tmp/mine; mkdir /work/d"],
                    limits: JobLimits(disk: Self.limit))
                let firstEvents = try await probe.jobEvents(for: [first])
                let firstResult = try #require(firstEvents.first { $0.state.isTerminal }?.result)
                #expect(firstResult.exitCode == 0)
                let mountinfo = try await probe.output(of: first, chunks: firstResult.logChunks)
                #expect(!mountinfo.contains(worker.directory), "\(mountinfo)")
                let work = try #require(mountinfo.split(separator: "\n").first { $0.split(separator: " ").dropFirst(4).first == "/work" })
                #expect(work.split(separator: " ")[3] == "/work", "the mount's root is the disk's /work: \(work)")
                #expect(work.contains(" - ext4 /dev/loop"), "\(work)")
                #expect(mountinfo.contains(" /tmp /tmp "), "/tmp is on the disk too: \(mountinfo)")

                let second = try await probe.submit(["sh", "-c", "ls -A /work /tmp; stat -f -c 'fsid %i' /work"], limits: JobLimits(disk: Self.limit))
                let secondEvents = try await probe.jobEvents(for: [second])
                let secondResult = try #require(secondEvents.first { $0.state.isTerminal }?.result)
                #expect(secondResult.exitCode == 0)
                let listing = try await probe.output(of: second, chunks: secondResult.logChunks)
                #expect(listing.hasPrefix("/tmp:\n\n/work:\n"), "\(listing)")
                #expect(!listing.contains("mine"))
                // The filesystem id comes from the ext4 UUID: a new disk would have another.
                let fsid = { (text: String) in text.split(separator: "\n").first { $0.hasPrefix("fsid ") } }
                #expect(
                    fsid(listing) != nil && fsid(listing) == fsid(mountinfo),
                    "the slot's disk was emptied and reused: \(listing) \(worker.log.split(separator: "\n").filter { $0.contains("disk") })")

                // The idle disk goes with a graceful stop.
                let directory = worker.directory
                #expect(
                    !Self.traces(under: directory).isEmpty, "the idle disk was destroyed: \(worker.log.split(separator: "\n").filter { $0.contains("disk") })")
                await worker.stop()
                #expect(await Self.nothingLeft(under: directory) == [])
            }
        }
    }
}
