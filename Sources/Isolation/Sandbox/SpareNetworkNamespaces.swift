import CIsolation
import Synchronization

/// Network namespaces made ahead of time for jobs without a network of their own. Making one
/// (loopback, per-namespace sysctls and `/proc` entries) costs about 0.5 ms in the kernel, which
/// `clone(CLONE_NEWNET)` spent on every job's way to its start. Each serves one job and is never
/// returned: a used namespace carries its job's sockets and counters. The worker refills them off
/// any job's path (at start and after each job); with none ready a job gets one at clone, as before.
public enum SpareNetworkNamespaces {
    private static let spare = Mutex<[Int32]>([])

    /// A spare namespace's fd, now the caller's to close; nil when none is ready.
    static func take() -> Int32? { spare.withLock { $0.popLast() } }

    /// How many are ready.
    public static var count: Int { spare.withLock(\.count) }

    /// The most kept ready, whatever `refill` asks for: a job takes one as it starts and its tear-down
    /// makes the next, so more would serve only a burst of more starts at once, and each holds kernel
    /// memory (100 made with `ip netns add`: 18 MB more slab) however many slots a worker has.
    public static let maximum = 16

    /// Makes namespaces until `target` (at most `maximum`) are ready. Blocking: call it off the
    /// cooperative pool.
    public static func refill(upTo target: Int) throws(SandboxError) {
        while count < min(target, maximum) {
            let fd = joblet_new_network_namespace()
            guard fd >= 0 else {
                throw SandboxError(
                    code: .setup, stage: "network namespace", errno: -fd,
                    message: "network namespace: \(System.describe(errno: -fd))")
            }
            spare.withLock { $0.append(fd) }
        }
    }

    /// Closes every spare namespace (a worker stopping, a test cleaning up).
    public static func drain() {
        for fd in spare.withLock({ namespaces in
            defer { namespaces.removeAll() }; return namespaces
        }) { System.close(fd) }
    }
}
