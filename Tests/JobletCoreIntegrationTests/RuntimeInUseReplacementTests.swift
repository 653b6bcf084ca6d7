#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import TestSupport
import Testing
@testable import JobletCore
@testable import JobletPackages

/// A runtime replaced and removed while a job (a mount namespace of its own) uses it: root only
/// (RuntimePackageReplacementTests has the rest).
@Suite struct RuntimeInUseReplacementTests {
    /// A job's view of a runtime is bind mounts in its own mount namespace; replacing and removing
    /// the runtime on the host must leave that view intact until the job ends.
    @Test(.integration(needs: [.root]))
    func aJobKeepsItsRuntimeThroughReplacementAndRemoval() throws {
        let scratch = try RuntimeScratch.directory("inuse")
        defer { RuntimeScratch.remove(scratch) }
        let base = scratch + "/base"
        try RuntimePackage.install(package: try RuntimeScratch.package(scratch, version: "20", marker: "old", pack: RuntimePackage.pack), basePath: base)
        let mountPoint = scratch + "/job-bin"
        let fifo = scratch + "/go"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(mkfifo(fifo, 0o600) == 0)

        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        job.arguments = [
            "--mount", "--fork", "/bin/sh", "-c",
            """
            set -e
            mount --make-rprivate /
            mount --bind '\(base)/node/node-20/bin' '\(mountPoint)'
            echo ready
            read x < '\(fifo)'
            cat '\(mountPoint)/marker' '\(mountPoint)/hello'
            """,
        ]
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

        let replaced = try RuntimePackage.install(
            package: try RuntimeScratch.package(scratch, version: "20", marker: "new", pack: RuntimePackage.pack), basePath: base, force: true)
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
        #expect(try RuntimeScratch.hidden(base).isEmpty)
    }
}
