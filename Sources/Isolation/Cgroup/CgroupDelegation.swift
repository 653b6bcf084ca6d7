#if canImport(Glibc)
    import Glibc
#endif
import JobletCore

/// A delegated subtree: the cgroup this process runs in was handed to it (a container's own cgroup,
/// a systemd unit with `Delegate=yes`), so its job cgroups go below that cgroup and never beside it.
///
/// v2: a cgroup with processes cannot give controllers to its children (the "no internal processes"
/// rule), so the processes of the delegated cgroup are first moved into the leaf `<own>/worker`; the
/// job parent is `<own>/<name>`. v1: the job parent is `<own>/<name>` in every mounted hierarchy.
enum CgroupDelegation {
    /// Leaf of a delegated v2 cgroup that holds the processes that were in it.
    static let leafName = "worker"

    /// The cgroup paths of this process, from `/proc/self/cgroup`: `""` → v2 path, v1 controller → path.
    static func ownPaths() throws -> (unified: String?, v1: [String: String]) {
        var unified: String?
        var v1: [String: String] = [:]
        for line in try CgroupFS.read("/proc/self/cgroup").split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty {
                unified = String(fields[2])
            } else {
                for controller in fields[1].split(separator: ",") { v1[String(controller)] = String(fields[2]) }
            }
        }
        return (unified, v1)
    }

    /// Mount point → the cgroup path its root shows (of `/proc/self/mountinfo`), for cgroup mounts.
    static func mountRoots() throws -> [String: String] {
        var roots: [String: String] = [:]
        for mount in MountTable.parse(try CgroupFS.read("/proc/self/mountinfo")) where mount.type == "cgroup" || mount.type == "cgroup2" {
            roots[mount.mountPoint] = mount.root
        }
        return roots
    }

    /// The directory of cgroup `path` under the hierarchy mounted at `mount` (whose root shows `root`).
    static func directory(of path: String, mount: String, root: String) throws -> String {
        let base = mount.hasSuffix("/") ? String(mount.dropLast()) : mount
        if root == "/" { return path == "/" ? base : base + path }
        guard path == root || path.hasPrefix(root + "/") else {
            throw CgroupError(
                .system,
                "this process's cgroup \(path) is not visible under the cgroup mount \(mount), "
                    + "which shows \(root): mount the hierarchy that holds it, or turn cgroup delegation off")
        }
        return base + path.dropFirst(root.count)
    }

    /// True for the root cgroup of the hierarchy, which has no `cgroup.type` (and may hold processes).
    static func isHierarchyRoot(_ dir: String) -> Bool { !CgroupFS.exists(dir + "/cgroup.type") }

    /// v2: moves every process of `own` into `own/worker`, so that `own` may enable controllers for its
    /// children. Processes that exit meanwhile or cannot move (kernel threads) are skipped.
    static func vacate(_ own: String) throws {
        let leaf = own + "/" + leafName
        try CgroupFS.mkdirs(leaf)
        for _ in 0..<50 {
            let pids = CgroupFS.pids(in: own + "/cgroup.procs")
            if pids.isEmpty { return }
            for pid in pids {
                do { try CgroupFS.write("\(pid)", to: leaf + "/cgroup.procs") } catch let error as CgroupError
                    where error.errnoCode == ESRCH || error.errnoCode == EINVAL
                {
                    continue
                }
            }
        }
        let left = CgroupFS.pids(in: own + "/cgroup.procs")
        guard left.isEmpty else {
            throw CgroupError(
                .system, "cannot move the processes of the delegated cgroup \(own) into \(leaf)",
                cause: "still there: \(left.sorted())")
        }
    }
}
