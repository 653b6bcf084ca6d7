import CIsolation
import Synchronization

/// Network namespaces made ahead of time for jobs without a network of their own. Making one
/// (loopback, per-namespace sysctls and `/proc` entries) costs about 0.5 ms in the kernel, which
/// `clone(CLONE_NEWNET)` spent on every job's way to its start. Each serves one job and is never
/// returned: a used namespace carries its job's sockets and counters. The worker refills them off
/// any job's path (at start and after each job); with none ready a job gets one at clone, as before.
public enum SpareNetworkNamespaces {
    private struct Pool {
        var ready: [Int32] = []
        /// Being made by a refill right now: counted against the target, so refills running at once (the
        /// tear-downs of jobs ending together) never make more than it between them.
        var making = 0
    }

    private static let pool = Mutex(Pool())

    /// A spare namespace's fd, now the caller's to close; nil when none is ready.
    static func take() -> Int32? { pool.withLock { $0.ready.popLast() } }

    /// How many are ready.
    public static var count: Int { pool.withLock(\.ready.count) }

    /// The most kept ready, whatever `refill` asks for: a job takes one as it starts and its tear-down
    /// makes the next, so more would serve only a burst of more starts at once, and each holds kernel
    /// memory (100 made with `ip netns add`: 18 MB more slab) however many slots a worker has.
    public static let maximum = 16

    /// Makes namespaces until `target` (at most `maximum`) are ready or being made. Blocking: call it
    /// off the cooperative pool.
    public static func refill(upTo target: Int) throws(SandboxError) {
        let limit = min(target, maximum)
        while pool.withLock({ pool in
            guard pool.ready.count + pool.making < limit else { return false }
            pool.making += 1
            return true
        }) {
            let fd = joblet_new_network_namespace()
            pool.withLock { pool in
                pool.making -= 1
                if fd >= 0 { pool.ready.append(fd) }
            }
            guard fd >= 0 else {
                throw SandboxError(
                    code: .setup, stage: "network namespace", errno: -fd,
                    message: "network namespace: \(System.describe(errno: -fd))")
            }
        }
    }

    /// Closes every spare namespace (a worker stopping, a test cleaning up).
    public static func drain() {
        for fd in pool.withLock({ pool in
            defer { pool.ready.removeAll() }; return pool.ready
        }) { System.close(fd) }
    }
}
