/// Gives a freshly cloned sandbox process its network, like ``CgroupAttachment`` gives it its cgroup.
///
/// The sandbox calls `attach(pid:)` in the parent after `clone()` and before it releases the child
/// over the sync pipe, so the job's first instruction already sees its interface, address and route.
public protocol NetworkAttachment: Sendable {
    /// Moves the job's interface into the network namespace of `pid` and configures it.
    func attach(pid: Int32) throws
    /// Files bound read-only over the sandbox's `/etc/<name>` (e.g. `resolv.conf`, `hosts`): name -> host path.
    var etcFiles: [String: String] { get }
}
