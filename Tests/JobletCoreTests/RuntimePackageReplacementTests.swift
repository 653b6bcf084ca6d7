import Foundation
import Synchronization
import Testing
@testable import JobletCore

@Suite struct RuntimePackageReplacementTests {
    /// Counters shared with the reader thread.
    final class ReaderState: Sendable {
        let stop = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let misses = Atomic<Int>(0)
    }

    func package(_ scratch: String, version: String, marker: String) throws -> String {
        let directory = scratch + "/src-\(marker)"
        try RuntimeScratch.runtime(at: directory, name: "node-20", version: version)
        try RuntimeScratch.write("\(marker)\n", to: directory + "/bin/marker")
        let output = scratch + "/\(marker).tar.gz"
        try RuntimePackage.pack(runtimeDirectory: directory, to: output)
        return output
    }

    func hidden(_ base: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: base).filter { $0.hasPrefix(".") }
    }

    @Test func exchangeSwapsTwoDirectoriesInOneStep() throws {
        let scratch = try RuntimeScratch.directory("xchg")
        defer { RuntimeScratch.remove(scratch) }
        try RuntimeScratch.write("a\n", to: scratch + "/a/file")
        try RuntimeScratch.write("b\n", to: scratch + "/b/file")
        #expect(try RuntimePackage.exchange(scratch + "/a", scratch + "/b"))
        #expect(try String(contentsOfFile: scratch + "/a/file", encoding: .utf8) == "b\n")
        #expect(try String(contentsOfFile: scratch + "/b/file", encoding: .utf8) == "a\n")
        #expect(throws: JobletError.self) { try RuntimePackage.exchange(scratch + "/a", scratch + "/missing") }
    }

    @Test func aReaderNeverSeesRuntimeYmlMissingDuringForcedReinstalls() throws {
        let scratch = try RuntimeScratch.directory("swap")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        let packages = [try package(scratch, version: "20", marker: "one"), try package(scratch, version: "20", marker: "two")]
        try RuntimePackage.install(package: packages[0], basePath: base)

        let watched = base + "/node/node-20/runtime.yml"
        let state = ReaderState()
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread {
            var info = stat()
            while !state.stop.load(ordering: .relaxed) {
                if stat(watched, &info) != 0 { state.misses.add(1, ordering: .relaxed) }
                state.reads.add(1, ordering: .relaxed)
            }
            finished.signal()
        }
        reader.start()
        while state.reads.load(ordering: .relaxed) == 0 { sched_yield() }

        var replaced: [Bool] = []
        for round in 0..<20 {
            replaced.append(try RuntimePackage.install(package: packages[(round + 1) % 2], basePath: base, force: true).replaced)
        }
        state.stop.store(true, ordering: .relaxed)
        finished.wait()

        #expect(state.misses.load(ordering: .relaxed) == 0)
        #expect(replaced == Array(repeating: true, count: 20))
        // Round 19 installed packages[0].
        #expect(try String(contentsOfFile: base + "/node/node-20/bin/marker", encoding: .utf8) == "one\n")
        #expect(try hidden(base).isEmpty)
        let catalog = RuntimeCatalog.scan(basePath: base, host: RuntimeHost(architecture: "x86_64", memory: ByteSize(bytes: 1 << 30)))
        #expect(catalog.compatibleDescriptors.map(\.id) == ["node-20"])
        #expect(catalog.problems.isEmpty)
    }

    /// A job's view of a runtime is bind mounts in its own mount namespace; replacing and removing
    /// the runtime on the host must leave that view intact until the job ends.
    @Test(.enabled(if: getuid() == 0))
    func aJobKeepsItsRuntimeThroughReplacementAndRemoval() throws {
        let scratch = try RuntimeScratch.directory("inuse")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        try RuntimePackage.install(package: try package(scratch, version: "20", marker: "old"), basePath: base)
        let mountPoint = scratch + "/job-bin"
        let fifo = scratch + "/go"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(mkfifo(fifo, 0o600) == 0)

        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        job.arguments = ["--mount", "--fork", "/bin/sh", "-c", """
            set -e
            mount --make-rprivate /
            mount --bind '\(base)/node/node-20/bin' '\(mountPoint)'
            echo ready
            read x < '\(fifo)'
            cat '\(mountPoint)/marker' '\(mountPoint)/hello'
            """]
        let output = Pipe()
        job.standardOutput = output
        job.standardError = output
        try job.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        try #require(String(decoding: seen, as: UTF8.self) == "ready\n", "the job did not start: \(String(decoding: seen, as: UTF8.self))")

        let replaced = try RuntimePackage.install(package: try package(scratch, version: "20", marker: "new"), basePath: base, force: true)
        #expect(replaced.replaced)
        #expect(try String(contentsOfFile: base + "/node/node-20/bin/marker", encoding: .utf8) == "new\n")
        // The old tree is held for the job: retired, not deleted.
        #expect(RuntimePackage.collectRetired(basePath: base).count == 1)

        #expect(try RuntimePackage.remove(name: "node-20", basePath: base) == base + "/node/node-20")
        #expect(!FileManager.default.fileExists(atPath: base + "/node/node-20"))
        // The new tree was never mounted, so it went at once; the job's tree is still held.
        #expect(RuntimePackage.collectRetired(basePath: base).count == 1)

        let go = open(fifo, O_WRONLY)
        try #require(go >= 0)
        _ = write(go, "go\n", 3)
        close(go)
        seen.append(output.fileHandleForReading.readDataToEndOfFile())
        job.waitUntilExit()
        #expect(job.terminationStatus == 0)
        #expect(String(decoding: seen, as: UTF8.self) == "ready\nold\n#!/bin/sh\necho node-20\n")

        // Once the job's namespace is gone, nothing holds the old tree.
        #expect(RuntimePackage.collectRetired(basePath: base).isEmpty)
        #expect(try hidden(base).isEmpty)
    }

    @Test func mountInfoPathsAreUnescaped() {
        let table = RuntimePackage.MountTable.parse("""
            36 35 98:0 /runtimes/my\\040rt/bin /mnt/job\\134x rw,noatime master:1 - ext3 /dev/root rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw

            """)
        #expect(table == [
            .init(device: "98:0", root: "/runtimes/my rt/bin", mountPoint: "/mnt/job\\x"),
            .init(device: "254:0", root: "/", mountPoint: "/"),
        ])
    }
}
