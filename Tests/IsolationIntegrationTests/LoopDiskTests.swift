import Foundation
import Isolation
import TestSupport
import Testing

/// The job disk on its own: a loop-backed ext4 of exactly the limit, a pool that reuses barely used
/// disks, and a sandbox whose /work and /tmp live on one without showing a host path.
@Suite(
    .integration(needs: [.root]), .enabled(if: access("/dev/loop-control", W_OK) == 0, "no writable /dev/loop-control"), .serialized, .timeLimit(.minutes(10)))
struct LoopDiskTests {
    /// A scratch directory for disks, removed (with anything mounted in it) at the end.
    final class Scratch {
        let path: String
        init() throws {
            var template = Array("/tmp/joblet-disk-test-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            path = String(cString: made)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Mount points and loop backing files that mention `path`: what must be gone after a disk is.
    static func traces(of path: String) -> [String] { TestMounts.diskTraces(mentioning: path) }

    /// Loop devices take a moment to detach after a lazy unmount: wait for the traces to go.
    static func tracesAfterSettling(of path: String) async -> [String] { await TestMounts.settled(tries: 100) { traces(of: path) } }

    @Test func writesStopAtTheSizeAndTheHostHoldsAtMostThat() async throws {
        let scratch = try Scratch()
        let size: Int64 = 32 << 20
        let disk = try LoopFilesystem.create(directory: scratch.path + "/d", sizeBytes: size)
        let file = disk.mountPoint + "/big"
        let fd = open(file, O_WRONLY | O_CREAT, 0o600)
        #expect(fd >= 0)
        let block = [UInt8](repeating: 1, count: 1 << 20)
        var written = 0
        var failure: Int32 = 0
        for _ in 0..<64 {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { failure = errno; break }
            written += n
        }
        fsync(fd)
        close(fd)
        #expect(failure == ENOSPC)
        #expect(written < Int(size))
        #expect(try disk.usage().isNearlyFull)
        #expect(disk.imageBytes() <= size)

        try disk.destroy()
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/d"))
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])
    }

    @Test func aBarelyUsedDiskIsEmptiedAndReusedAnyOtherIsDestroyed() async throws {
        let scratch = try Scratch()
        let pool = DiskPool(directory: scratch.path, maxIdle: 2)
        let clear: @Sendable ([String]) throws -> Void = { try $0.forEach { try FileManager.default.removeItem(atPath: $0) } }

        let first = try await pool.acquire(sizeBytes: 16 << 20)
        try FileManager.default.createDirectory(atPath: first.workDirectory, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: first.workDirectory + "/secret", contents: Data("mine".utf8)))
        let firstDestroyed = await pool.release(first, clear: clear)
        #expect(pool.idleCount == 1, "destroyed: \(firstDestroyed ?? "no reason recorded")")

        let second = try await pool.acquire(sizeBytes: 16 << 20)
        #expect(second.workDirectory == first.workDirectory, "the same disk is reused")
        #expect(!FileManager.default.fileExists(atPath: second.workDirectory), "and nothing of the first job is left")

        // Filled to the brim: destroyed rather than emptied (and its image's space given back).
        try FileManager.default.createDirectory(atPath: second.tmpDirectory, withIntermediateDirectories: false)
        // The write may stop short at ENOSPC: full is the point.
        _ = FileManager.default.createFile(atPath: second.tmpDirectory + "/fill", contents: Data(count: 15 << 20))
        let secondDestroyed = await pool.release(second, clear: clear)
        #expect(pool.idleCount == 0)
        #expect(secondDestroyed != nil, "a destroyed disk says why")
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])

        let other = try await pool.acquire(sizeBytes: 32 << 20)
        await pool.release(other, clear: clear)
        await pool.shutdown()
        #expect(pool.idleCount == 0)
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
    }

    /// A job of the size just given back gets that same filesystem, emptied, instead of a new one
    /// (mkfs, loop, mount). What each costs is printed: figures, not assertions.
    @Test func aDiskOfTheSameSizeIsReusedEmptied() async throws {
        let scratch = try Scratch()
        let pool = DiskPool(directory: scratch.path, maxIdle: 1)
        let clear: @Sendable ([String]) throws -> Void = { try $0.forEach { try FileManager.default.removeItem(atPath: $0) } }
        let clock = ContinuousClock()

        var made = Duration.zero
        for index in 0..<5 {
            let start = clock.now
            let disk = try await pool.acquire(sizeBytes: Int64(64 + index) << 20)  // a new size: a new disk
            made += clock.now - start
            await pool.release(disk, clear: clear)
        }
        var reused = Duration.zero
        let rounds = 200
        var filesystems: Set<String> = []
        for _ in 0..<rounds {
            let start = clock.now
            let disk = try await pool.acquire(sizeBytes: 68 << 20)
            filesystems.insert(disk.workDirectory)
            #expect(access(disk.workDirectory + "/out.txt", F_OK) != 0, "the previous job's file is gone")
            // Plain writes, as a job makes them (Foundation's createFile would fsync through the loop device).
            mkdir(disk.workDirectory, 0o755)
            let fd = open(disk.workDirectory + "/out.txt", O_WRONLY | O_CREAT, 0o644)
            _ = write(fd, "result", 6)
            close(fd)
            await pool.release(disk, clear: clear)
            reused += clock.now - start
        }
        await pool.shutdown()
        print("job disk: made in \(made / 5) (mkfs, loop, mount), reused in \(reused / rounds) (acquire, a file, release)")
        #expect(filesystems.count == 1, "\(filesystems)")
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])
    }

    @Test func aCrashedPredecessorsDisksAreRemovedAtStart() async throws {
        let scratch = try Scratch()
        let crashed = DiskPool(directory: scratch.path, maxIdle: 2)
        _ = try await crashed.acquire(sizeBytes: 16 << 20)  // never given back
        try await crashed.warm(sizeBytes: 16 << 20)  // idle, never shut down
        #expect(!Self.traces(of: scratch.path).isEmpty)

        let removed = try DiskPool(directory: scratch.path, maxIdle: 2).removeLeftovers()
        #expect(removed == 2)
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [])
    }

    @Test func aSandboxWritesWorkAndTmpToTheDiskAndSeesNoHostPath() async throws {
        let scratch = try Scratch()
        let pool = DiskPool(directory: scratch.path, maxIdle: 1)
        let disk = try await pool.acquire(sizeBytes: 16 << 20)
        for (path, mode) in [(disk.workDirectory, 0o755), (disk.tmpDirectory, 0o1777)] {
            mkdir(path, mode_t(mode))
            chmod(path, mode_t(mode))
            chown(path, 65534, 65534)
        }
        var plan = SandboxPlan(
            jobID: "disk-\(UInt32.random(in: 0...UInt32.max))",
            argv: [
                "/bin/sh", "-c",
                """
                cat /proc/self/mountinfo
                echo hi > /work/a && echo hi > /tmp/b && echo wrote
                dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1 | grep -c 'No space left'
                """,
            ],
            environment: [:], hostname: "job-disk", workDirectory: disk.workDirectory)
        plan.tmpDirectory = disk.tmpDirectory
        let run = try await SandboxHarness.run(plan)
        #expect(run.status == .exited(0), "\(run.err)")
        #expect(!run.out.contains(scratch.path), "mountinfo shows the host path: \(run.out)")
        #expect(run.out.contains(" /work /work "), "/work is the disk's /work: \(run.out)")
        #expect(run.out.contains(" /tmp /tmp "), "/tmp is the disk's /tmp: \(run.out)")
        #expect(run.out.contains("wrote\n1\n"))
        #expect(FileManager.default.fileExists(atPath: disk.workDirectory + "/a"))
        #expect(disk.isNearlyFull())

        await pool.release(disk, clear: { try $0.forEach { try FileManager.default.removeItem(atPath: $0) } })
        await pool.shutdown()
        #expect(await Self.tracesAfterSettling(of: scratch.path) == [])
    }
}
