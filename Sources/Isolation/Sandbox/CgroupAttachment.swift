/// Places a freshly cloned sandbox process into its resource-control group.
///
/// The sandbox clones the child straight into ``cloneDirectory`` when there is one (a v2 cgroup:
/// `clone3(CLONE_INTO_CGROUP)`); else, with ``selfMoveFiles``, the child moves itself in first
/// thing; otherwise it calls `attach(pid:)` in the parent after `clone()` and before it releases
/// the child. Either way no user code ever runs outside the job's cgroup.
public protocol CgroupAttachment: Sendable {
    /// Moves `pid` (and so everything it will fork) into the job's cgroup(s).
    func attach(pid: Int32) throws
    /// The cgroup v2 directory to clone the child into, or nil.
    ///
    /// Cloning into the cgroup saves the migration, which waits out an RCU grace period (about
    /// 10 ms) on every job.
    var cloneDirectory: String? { get }
    /// Files the child writes `0` to, moving its own (only) thread in: the v1 `tasks` files. A thread
    /// that moves itself skips the kernel's global migration lock, and so the grace period of
    /// `attach(pid:)`. Empty: the parent attaches.
    var selfMoveFiles: [String] { get }
}

extension CgroupAttachment {
    public var cloneDirectory: String? { nil }
    public var selfMoveFiles: [String] { [] }
}
