import CIsolation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Owns the sandbox init's pidfd: a dedicated thread reaps it (waitid on the pidfd), then the
/// pidfd is closed under the lock, so signals never reach a recycled pid.
final class ExitMonitor: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var pidfd: Int32
    private var status: ExitStatus?
    /// The job's mount namespace, held so that its teardown (an RCU grace period) happens here,
    /// after the status is published, instead of in init's exit before the status is visible.
    private let mountNamespace: Int32
    private var waiters: [CheckedContinuation<ExitStatus, Never>] = []

    init(pidfd: Int32, mountNamespace: Int32) {
        self.pidfd = pidfd
        self.mountNamespace = mountNamespace
    }

    /// Blocks the calling OS thread until init exits; then publishes the status.
    func reap() {
        var raw: Int32 = 0
        let rc = joblet_pidfd_wait(pidfd, &raw)
        let result: ExitStatus
        if rc == -1 {
            result = .exited(255)
        } else if raw & 0x7f == 0 {
            result = .exited((raw >> 8) & 0xff)
        } else {
            result = .signaled(raw & 0x7f)
        }
        lock.lock()
        status = result
        System.close(pidfd)
        pidfd = -1
        let pending = waiters
        waiters = []
        lock.unlock()
        for waiter in pending { waiter.resume(returning: result) }
        System.close(mountNamespace)
    }

    /// Sends `signal` to init unless it has already been reaped.
    func send(_ signal: Int32) {
        lock.withLock {
            if pidfd >= 0 { _ = joblet_pidfd_send_signal(pidfd, signal) }
        }
    }

    func wait() async -> ExitStatus {
        await withCheckedContinuation { (continuation: CheckedContinuation<ExitStatus, Never>) in
            lock.lock()
            if let status {
                lock.unlock()
                continuation.resume(returning: status)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
