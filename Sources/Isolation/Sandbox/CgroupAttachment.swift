/// Places a freshly cloned sandbox process into its resource-control group.
///
/// The sandbox calls `attach(pid:)` in the parent after `clone()` and before it releases
/// the child over the sync pipe, so no user code ever runs outside the job's cgroup.
public protocol CgroupAttachment: Sendable {
    /// Moves `pid` (and so everything it will fork) into the job's cgroup(s).
    func attach(pid: Int32) throws
}
