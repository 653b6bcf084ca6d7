import CIsolation
import SystemCalls
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The sandbox's syscalls from Swift: the retry of `EINTR` is SystemCalls'; this turns a
/// failure into a ``SandboxError`` that names the call.
enum System {
    /// Runs `body` until it does not fail with `EINTR`; throws when it returns -1.
    @discardableResult
    static func call<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(SandboxError) -> T {
        do {
            return try retryingOnInterrupt(body)
        } catch {
            throw SandboxError.system(name, errno: error.code)
        }
    }

    /// Creates a pipe whose both ends are close-on-exec.
    static func pipe() throws(SandboxError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try call("pipe2") { joblet_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    /// Raises a pipe's capacity to `bytes` where the kernel lets it (`pipe-max-size`, the owner's
    /// pipe quota); a pipe left at the default 64 KiB still works, with more wake-ups.
    static func growPipe(_ fd: Int32, to bytes: Int32) {
        _ = joblet_pipe_set_capacity(fd, bytes)
    }

    /// A connected pair of close-on-exec stream sockets. The sandbox's release channel is one, not a
    /// pipe: ``sendByte(_:)`` cannot raise SIGPIPE when the child died before reading it.
    static func socketPair() throws(SandboxError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try call("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (fds[0], fds[1])
    }

    /// Sends one byte on a socket, `EPIPE` instead of SIGPIPE when the peer is gone.
    static func sendByte(_ fd: Int32) throws(SandboxError) {
        var byte: UInt8 = 1
        try call("send") { send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes `fd`, ignoring errors: after close(2) fails the descriptor is gone anyway.
    static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SandboxError) {
        do {
            try FileDescriptorIO.writeAll(fd, bytes)
        } catch {
            throw SandboxError.system("write", errno: error.code)
        }
    }

    /// Reads until `count` bytes or end of file; returns what was read.
    static func readFully(_ fd: Int32, count: Int) throws(SandboxError) -> [UInt8] {
        do {
            return try FileDescriptorIO.read(fd, upTo: count)
        } catch {
            throw SandboxError.system("read", errno: error.code)
        }
    }

    /// The text of an errno value.
    static func describe(errno code: Int32) -> String { errnoText(code) }
}
