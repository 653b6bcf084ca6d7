#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemCalls

/// A running sandbox: its init process, its output and its exit.
public final class SandboxProcess: Sendable {
    /// Host pid of the sandbox's init (PID 1 inside).
    public let pid: Int32
    private let monitor: ExitMonitor
    private let channel: OutputChannel

    /// Output held between the pipe reader and the consumer before the job blocks on its pipe:
    /// 16 full reads, or 64 reads of any size.
    static let bufferLimit = 1 << 20
    static let bufferChunks = 64
    static let readSize = 64 << 10

    init(pid: Int32, pidfd: Int32, mountNamespace: Int32, stdout: Int32, stderr: Int32,
         outputLimit: Int64?) throws(SandboxError) {
        self.pid = pid
        let monitor = ExitMonitor(pidfd: pidfd, mountNamespace: mountNamespace)
        let channel = OutputChannel(limitBytes: Self.bufferLimit, limitChunks: Self.bufferChunks)
        self.monitor = monitor
        self.channel = channel
        do {
            try System.startThread { monitor.reap() }
        } catch {
            monitor.send(SIGKILL)
            monitor.reap()
            System.close(stdout)
            System.close(stderr)
            throw error
        }
        do {
            try System.startThread { Self.pump(stdout: stdout, stderr: stderr, budget: OutputBudget(limit: outputLimit), into: channel) }
        } catch {
            // Without a reader the job would block forever on its pipes.
            monitor.send(SIGKILL)
            System.close(stdout)
            System.close(stderr)
            channel.finish(throwing: error)
        }
    }

    /// stdout/stderr chunks in order per stream, delivered incrementally. Buffering is bounded:
    /// when the consumer does not keep up, reading stops and the job blocks on its pipe
    /// (back-pressure). Finishes at end of file of both streams. Consume it, or the job stalls
    /// once it has written more than the buffer holds. Past the plan's `outputLimit` the pipes
    /// are still drained but nothing more is delivered (``droppedOutputBytes``).
    public var output: AsyncThrowingStream<OutputChunk, any Error> {
        let channel = self.channel
        return AsyncThrowingStream(unfolding: { try await channel.next() })
    }

    /// Output read past the plan's `outputLimit` and dropped; final once ``output`` has finished.
    public var droppedOutputBytes: UInt64 { channel.droppedBytes }

    /// Waits for init to exit: the command's status (128+signal when the command was killed),
    /// or `.signaled(9)` after ``kill()``.
    public func wait() async -> ExitStatus {
        await monitor.wait()
    }

    /// Sends SIGTERM to init, which forwards it to the command.
    public func terminate() {
        monitor.send(SIGTERM)
    }

    /// Sends SIGKILL to init: the kernel then kills every process of the sandbox's PID namespace.
    public func kill() {
        monitor.send(SIGKILL)
    }

    /// Reader thread: poll both pipes, hand chunks to the channel (within the budget), close at EOF.
    private static func pump(stdout: Int32, stderr: Int32, budget: OutputBudget, into channel: OutputChannel) {
        var budget = budget
        var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
        let streams: [OutputStream] = [.stdout, .stderr]
        var open = 2
        var buffer = [UInt8](repeating: 0, count: readSize)
        var failure: (any Error)?
        while open > 0 {
            do {
                try retryingOnInterrupt { poll(&fds, 2, -1) }
            } catch {
                failure = SandboxError.system("poll", errno: error.code)
                break
            }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, readSize) }
                if n > 0 {
                    let kept = budget.take(n)
                    if kept > 0 { channel.push(OutputChunk(stream: streams[i], bytes: Array(buffer[0..<kept]))) }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    System.close(fds[i].fd)
                    fds[i].fd = -1
                    open -= 1
                }
            }
        }
        for fd in fds where fd.fd >= 0 { System.close(fd.fd) }
        channel.finish(throwing: failure, droppedBytes: budget.dropped)
    }
}
