import CIsolation

/// The read end of one of a job's output pipes, owned by the supervisor from registration on.
/// Only ``close(epoll:)`` closes it, once: the descriptor is forgotten as it is closed, so a later
/// close (end of file, then a failure) cannot hit a number the process has since reused.
/// Mutated only under the supervisor's job table lock, like the rest of `SupervisedJob`.
struct SupervisedPipe {
    /// nil once closed.
    private(set) var fd: Int32?
    /// Whether the descriptor is in the epoll set now (out of it while the output buffer is full).
    private(set) var watching = false

    init(_ fd: Int32) {
        self.fd = fd >= 0 ? fd : nil
    }

    var isOpen: Bool { fd != nil }

    /// Adds the open descriptor to epoll under `token`, unless it is there already (or closed).
    mutating func watch(epoll: Int32, token: UInt64) throws(SandboxError) {
        guard let fd, !watching else { return }
        try System.call("epoll_ctl") { joblet_epoll_watch(epoll, fd, token) }
        watching = true
    }

    /// Takes the descriptor out of epoll (the job's buffer is full).
    mutating func unwatch(epoll: Int32) {
        if let fd, watching { _ = joblet_epoll_unwatch(epoll, fd) }
        watching = false
    }

    /// Leaves epoll and closes the descriptor; returns false when it was closed already.
    @discardableResult
    mutating func close(epoll: Int32) -> Bool {
        guard let fd else { return false }
        unwatch(epoll: epoll)
        System.close(fd)
        self.fd = nil
        return true
    }
}
