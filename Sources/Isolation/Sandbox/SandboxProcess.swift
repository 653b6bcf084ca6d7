#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A running sandbox: its init process, its output and its exit. The worker's one supervisor
/// thread (``SandboxSupervisor``) reads its pipes and reaps it; no thread is its own.
public final class SandboxProcess: Sendable {
    /// Host pid of the sandbox's init (PID 1 inside).
    public let pid: Int32
    private let exit: SandboxExit
    private let buffer: SandboxOutput

    /// Output held between the supervisor and the consumer before the job blocks on its pipe:
    /// 16 full reads, or 64 reads of any size.
    static let bufferLimit = 1 << 20
    static let bufferChunks = 64

    init(
        pid: Int32, pidfd: Int32, mountNamespace: Int32, stdout: Int32, stderr: Int32,
        outputLimit: Int64?
    ) throws(SandboxError) {
        self.pid = pid
        (exit, buffer) = try SandboxSupervisor.supervise(
            pid: pid, pidfd: pidfd, mountNamespace: mountNamespace, stdout: stdout, stderr: stderr,
            outputLimit: outputLimit, bufferLimit: Self.bufferLimit, bufferChunks: Self.bufferChunks)
    }

    /// stdout/stderr chunks in order per stream, delivered incrementally. Buffering is bounded:
    /// when the consumer does not keep up, reading stops and the job blocks on its pipe
    /// (back-pressure). Finishes at end of file of both streams. Consume it, or the job stalls
    /// once it has written more than the buffer holds. Past the plan's `outputLimit` the pipes
    /// are still drained but nothing more is delivered (``droppedOutputBytes``).
    public var output: AsyncThrowingStream<OutputChunk, any Error> {
        let buffer = self.buffer
        return AsyncThrowingStream(unfolding: { try await buffer.next() })
    }

    /// Output read past the plan's `outputLimit` and dropped; final once ``output`` has finished.
    public var droppedOutputBytes: UInt64 { buffer.droppedBytes }

    /// Waits for init to exit: the command's status (128+signal when the command was killed),
    /// or `.signaled(9)` after ``kill()``.
    public func wait() async -> ExitStatus {
        await exit.wait()
    }

    /// Sends SIGTERM to init, which forwards it to the command.
    public func terminate() {
        exit.send(SIGTERM)
    }

    /// Output read from the pipes that the consumer has not taken yet (tests).
    var bufferedOutputBytes: Int { buffer.bufferedBytes }

    /// Whether init's pidfd is still open: false once ``wait()`` can return (tests).
    var holdsPidfd: Bool { exit.holdsPidfd }

    /// Sends SIGKILL to init: the kernel then kills every process of the sandbox's PID namespace.
    public func kill() {
        exit.send(SIGKILL)
    }
}
