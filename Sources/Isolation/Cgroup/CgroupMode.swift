/// Which cgroup hierarchy the host offers the worker.
public enum CgroupMode: String, Sendable, Codable {
    /// The unified hierarchy (cgroup2) is mounted at `/sys/fs/cgroup` and holds the controllers.
    case v2
    /// The controllers are held by cgroup v1 hierarchies (`/sys/fs/cgroup/<controller>`);
    /// a cgroup2 mount, if any, is empty.
    case v1Hybrid = "v1-hybrid"
    /// No usable cgroup hierarchy: no limit can be enforced.
    case none
}
