#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import JobletCore
import TestSupport
import Testing
@testable import Worker

/// The pool: each running job's uid is nobody else's.
@Suite(.integration(needs: [.root]))
struct JobUIDPoolTests {
    /// The pool makes it and never removes it: gone at exit.
    static func lockDirectory() -> String { ScratchPath.make("uid-locks") }

    @Test func leasesAreDistinctAndAReleasedUIDIsLeasedAgain() async throws {
        let pool = JobUIDPool(range: try JobUIDRange(parsing: "71100-71102"), lockDirectory: Self.lockDirectory())
        let a = try #require(await pool.lease()), b = try #require(await pool.lease()), c = try #require(await pool.lease())
        #expect(Set([a.uid, b.uid, c.uid]) == [71100, 71101, 71102])
        #expect(await pool.lease() == nil, "every uid is taken")
        await pool.release(b)
        #expect(await pool.lease() == b)
    }

    @Test func anotherWorkerWithTheSameRangeNeverGetsALeasedUID() async throws {
        let directory = Self.lockDirectory()
        let range = try JobUIDRange(parsing: "71110-71111")
        var one: JobUIDPool? = JobUIDPool(range: range, lockDirectory: directory)
        let other = JobUIDPool(range: range, lockDirectory: directory)
        let first = try #require(await one?.lease())
        #expect(await other.lease()?.uid == 71111, "the uid another worker holds is skipped")
        #expect(await other.lease() == nil)
        // A worker keeps the uids it took: its next job gets the same one, never the other worker.
        await one?.release(first)
        #expect(await other.lease() == nil)
        #expect(await one?.lease() == first)
        // A worker that goes away (or dies: the kernel drops its flocks) leaves its uids to others.
        one = nil
        #expect(await other.lease()?.uid == 71110)
    }

    @Test func aUIDThatAProcessRunsAsIsNotLeased() async throws {
        let leftover = Process()
        leftover.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        leftover.arguments = ["--reuid=71120", "--regid=71120", "--clear-groups", "sleep", "60"]
        try leftover.run()
        defer { kill(leftover.processIdentifier, SIGKILL); leftover.waitUntilExit() }
        // Its uid shows in /proc once setpriv has switched: wait for that, without a time bound on the test.
        while leftover.isRunning, !JobUIDPool.scanProcessUIDs().contains(71120) { try await Task.sleep(for: .milliseconds(10)) }
        try #require(leftover.isRunning, "setpriv runs sleep as 71120")
        let pool = JobUIDPool(range: try JobUIDRange(parsing: "71120-71121"), lockDirectory: Self.lockDirectory())
        #expect(await pool.lease()?.uid == 71121)
    }

    @Test func aRangeOfOneIsSharedByEveryJob() async throws {
        let pool = JobUIDPool(range: try JobUIDRange(parsing: "71130"), lockDirectory: Self.lockDirectory())
        #expect(await pool.lease()?.uid == 71130)
        #expect(await pool.lease()?.uid == 71130)
    }
}
