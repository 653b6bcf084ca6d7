/// Where the worker keeps its job cgroups and what it does when a limit cannot be enforced.
public struct CgroupConfiguration: Sendable {
    /// Parent of all job cgroups on a cgroup v2 host; must lie inside the cgroup2 mount.
    public var v2Root = "/sys/fs/cgroup/joblet.slice"
    /// Name of the parent cgroup created in every v1 hierarchy (`/sys/fs/cgroup/<controller>/<v1Name>`).
    public var v1Name = "joblet"
    /// The cgroup this process runs in is delegated to it (a container's own cgroup, a systemd unit
    /// with `Delegate=yes`): job cgroups go to `<own cgroup>/<v1Name>` in every hierarchy instead, and
    /// `v2Root` is ignored. On v2 the processes of the own cgroup are first moved into `<own>/worker`
    /// (`CgroupDelegation`).
    public var delegated = false
    /// pids limit of jobs that do not set one, so a fork bomb never takes the host. `0` disables it.
    public var defaultPids = 1024
    /// When true, a limit the host cannot enforce is reported in `JobCgroup.unenforced`
    /// instead of failing the job.
    public var allowUnenforced = false

    public init(
        v2Root: String = "/sys/fs/cgroup/joblet.slice", v1Name: String = "joblet",
        defaultPids: Int = 1024, allowUnenforced: Bool = false, delegated: Bool = false
    ) {
        self.v2Root = v2Root
        self.v1Name = v1Name
        self.delegated = delegated
        self.defaultPids = defaultPids
        self.allowUnenforced = allowUnenforced
    }
}
