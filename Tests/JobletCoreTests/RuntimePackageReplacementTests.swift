import Foundation
import Synchronization
import TestSupport
import Testing
@testable import JobletCore
@testable import JobletPackages

@Suite struct RuntimePackageReplacementTests {
    /// Counters shared with the reader thread.
    final class ReaderState: Sendable {
        let stop = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let misses = Atomic<Int>(0)
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
        let packages = try ["one", "two"].map { try RuntimeScratch.package(scratch, version: "20", marker: $0, pack: RuntimePackage.pack) }
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
        #expect(try RuntimeScratch.hidden(base).isEmpty)
        let catalog = RuntimeCatalog.scan(basePath: base, host: RuntimeHost(architecture: "x86_64", memory: ByteSize(bytes: 1 << 30)))
        #expect(catalog.compatibleDescriptors.map(\.id) == ["node-20"])
        #expect(catalog.problems.isEmpty)
    }

}
