import CIsolation
import Synchronization

/// A sandbox init's pidfd and, once it has exited, its status. The supervisor loop reaps it when
/// the pidfd becomes readable and closes the pidfd under the lock ``send(_:)`` takes: a signal
/// goes through an open pidfd or not at all, so it never reaches a recycled pid.
final class SandboxExit: Sendable {
    private struct State {
        /// -1 once reaped and closed.
        var pidfd: Int32
        var status: ExitStatus?
        var waiters: [CheckedContinuation<ExitStatus, Never>] = []
    }

    private let state: Mutex<State>

    init(pidfd: Int32) {
        state = Mutex(State(pidfd: pidfd))
    }

    /// Supervisor loop: reaps init without blocking if it has exited, publishes the status and
    /// closes the pidfd (`beforeClose` gets it first, to take it out of epoll). Returns whether
    /// init has been reaped (now or before).
    func reapIfExited(beforeClose: (Int32) -> Void) -> Bool {
        let reaped: (ExitStatus, [CheckedContinuation<ExitStatus, Never>])? = state.withLock { state in
            guard state.pidfd >= 0 else { return nil }
            var raw: Int32 = 0
            let rc = joblet_pidfd_try_wait(state.pidfd, &raw)
            if rc == 0 { return nil }
            return Self.publish(rc == -1 ? .exited(255) : Self.decode(raw), in: &state, beforeClose: beforeClose)
        }
        guard let (status, waiters) = reaped else { return state.withLock { $0.pidfd < 0 } }
        for waiter in waiters { waiter.resume(returning: status) }
        return true
    }

    /// Blocks until init exits and reaps it: only for a job that never reached the supervisor
    /// (killed just before, so the wait is short).
    func reapBlocking() {
        let reaped: (ExitStatus, [CheckedContinuation<ExitStatus, Never>])? = state.withLock { state in
            guard state.pidfd >= 0 else { return nil }
            var raw: Int32 = 0
            let rc = joblet_pidfd_wait(state.pidfd, &raw)
            return Self.publish(rc == -1 ? .exited(255) : Self.decode(raw), in: &state, beforeClose: { _ in })
        }
        guard let (status, waiters) = reaped else { return }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// Sends `signal` to init unless it has already been reaped.
    func send(_ signal: Int32) {
        state.withLock { state in
            if state.pidfd >= 0 { _ = joblet_pidfd_send_signal(state.pidfd, signal) }
        }
    }

    /// Whether the pidfd is still open (tests: it is closed once the status is published).
    var holdsPidfd: Bool { state.withLock { $0.pidfd >= 0 } }

    func wait() async -> ExitStatus {
        await withCheckedContinuation { (continuation: CheckedContinuation<ExitStatus, Never>) in
            let status: ExitStatus? = state.withLock { state in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    private static func publish(_ status: ExitStatus, in state: inout State, beforeClose: (Int32) -> Void)
        -> (ExitStatus, [CheckedContinuation<ExitStatus, Never>])
    {
        state.status = status
        beforeClose(state.pidfd)
        System.close(state.pidfd)
        state.pidfd = -1
        defer { state.waiters = [] }
        return (status, state.waiters)
    }

    /// A raw wait status: the code of a normal exit, else the signal that ended init.
    private static func decode(_ raw: Int32) -> ExitStatus {
        raw & 0x7f == 0 ? .exited((raw >> 8) & 0xff) : .signaled(raw & 0x7f)
    }
}
