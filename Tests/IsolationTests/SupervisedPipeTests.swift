import CIsolation
import Glibc
import Testing
@testable import Isolation

/// Each output pipe of a supervised job is closed once: a second close (end of file, then a
/// failure) must not close whatever now holds the same descriptor number.
struct SupervisedPipeTests {
    /// A pipe's two ends; the write end is closed by the caller.
    static func pipeEnds() throws -> (read: Int32, write: Int32) {
        try System.pipe()
    }

    /// Opens /dev/null at `fd` (just closed, so the lowest free number), standing for a file
    /// someone else opened; nil when another thread took the number first. Never dup2: that would
    /// clobber whatever a parallel test opened meanwhile.
    static func reuse(_ fd: Int32) -> Int32? {
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        if devNull == fd { return devNull }
        if devNull >= 0 { close(devNull) }
        return nil
    }

    static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }

    @Test func aSecondCloseLeavesAReusedNumberAlone() throws {
        let ends = try Self.pipeEnds()
        defer { close(ends.write) }
        let epoll = joblet_epoll_create()
        try #require(epoll >= 0)
        defer { close(epoll) }
        var pipe = SupervisedPipe(ends.read)
        try pipe.watch(epoll: epoll, token: 5)
        #expect(pipe.watching)
        let first = pipe.close(epoll: epoll)
        #expect(first && !pipe.isOpen && !pipe.watching)
        let reused = Self.reuse(ends.read)
        defer { if let reused { close(reused) } }
        let second = pipe.close(epoll: epoll)
        #expect(!second)
        if let reused { #expect(Self.isOpen(reused)) }
    }

    @Test func failAfterEndOfFileOnOnePipeClosesOnlyTheOther() async throws {
        let supervisor = try SandboxSupervisor.shared()
        let stdout = try Self.pipeEnds(), stderr = try Self.pipeEnds()
        defer { close(stdout.write); close(stderr.write) }
        let output = SandboxOutput(limitBytes: 1 << 10, limitChunks: 4) {}
        let job = SupervisedJob(
            id: 0, pidfd: -1, mountNamespace: -1, stdout: stdout.read, stderr: stderr.read,
            outputLimit: nil, exit: SandboxExit(pidfd: -1), output: output)
        let reused = supervisor.jobs.withLock { _ in
            supervisor.close(job, pipe: 0)
            let reused = Self.reuse(stdout.read)
            supervisor.fail(job, SandboxError(code: .system, message: "test failure"))
            return reused
        }
        defer { if let reused { close(reused) } }
        if let reused { #expect(Self.isOpen(reused), "fail closed a descriptor it no longer owned") }
        let anyOpen = job.pipes.contains { $0.isOpen }
        #expect(!anyOpen)
        await #expect(throws: SandboxError.self) { try await output.next() }
    }
}
