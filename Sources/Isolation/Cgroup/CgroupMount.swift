/// The cgroup filesystems mounted on this host, from `/proc/self/mounts`.
struct CgroupMount: Sendable {
    /// Mount point of a cgroup2 filesystem and the controllers its root offers.
    struct Unified: Sendable {
        var path: String
        var controllers: [String]
    }

    /// cgroup2 mount points.
    var unified: [String] = []
    /// v1 controller (of `CgroupManager.v1Controllers`) → mount point of its hierarchy.
    var v1: [String: String] = [:]

    static func all() throws -> CgroupMount {
        var result = CgroupMount()
        for line in try CgroupFS.read("/proc/self/mounts").split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { continue }
            let path = String(fields[1])
            switch fields[2] {
            case "cgroup2":
                result.unified.append(path)
            case "cgroup":
                for option in fields[3].split(separator: ",") where CgroupManager.v1Controllers.contains(String(option)) {
                    result.v1[String(option)] = path
                }
            default:
                continue
            }
        }
        return result
    }

    /// The cgroup2 mount that contains `root` (longest matching mount point).
    static func unified(containing root: String, in mounts: CgroupMount) -> Unified? {
        let candidates = mounts.unified.filter { root.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
        guard let path = candidates.max(by: { $0.count < $1.count }) else { return nil }
        let controllers =
            (try? CgroupFS.read(path + "/cgroup.controllers")).map {
                CgroupFS.trimmed($0).split(separator: " ").map(String.init)
            } ?? []
        return Unified(path: path, controllers: controllers)
    }
}
