/// Detects the host's cgroup mode and creates, limits and cleans up job cgroups.
///
/// v2: job cgroups live under `configuration.v2Root`, whose `cgroup.subtree_control` enables
/// the controllers. v1 (hybrid): each job gets `<mount>/<v1Name>/<jobID>` in every mounted
/// controller hierarchy. A host with neither is `.none`: jobs only run with `allowUnenforced`.
public final class CgroupManager: Sendable {
    /// The controllers a job cgroup can use.
    static let wantedControllers = ["cpu", "cpuset", "io", "memory", "pids"]
    static let v1Controllers = ["blkio", "cpu", "cpuacct", "cpuset", "freezer", "memory", "pids"]

    public let configuration: CgroupConfiguration
    /// The hierarchy in use on this host.
    public let mode: CgroupMode
    /// Controllers job cgroups get: v2 names (`cpu`, `memory`, `io`, …) or v1 hierarchy names (`blkio`, `cpuacct`, …).
    public let availableControllers: [String]
    /// v1 only: controller → directory holding the job cgroups (`<mount>/<v1Name>`).
    let v1Parents: [String: String]

    /// The directories that hold the job cgroups: `v2Root` on v2, one per v1 hierarchy.
    public var parentDirectories: [String] {
        switch mode {
        case .v2: return [configuration.v2Root]
        case .v1Hybrid: return Array(Set(v1Parents.values)).sorted()
        case .none: return []
        }
    }

    /// Detects the mode and prepares the parent cgroup(s): on v2 creates `v2Root` and enables
    /// the controllers in its `cgroup.subtree_control` (and its ancestors').
    public init(configuration: CgroupConfiguration) throws {
        var configuration = configuration
        let mounts = try CgroupMount.all()
        // Delegated: the job parent lies below this process's own cgroup, in each hierarchy.
        var delegatedV1: [String: String]?
        if configuration.delegated {
            let own = try CgroupDelegation.ownPaths()
            let roots = try CgroupDelegation.mountRoots()
            var unifiedDirectory: String?
            if let path = own.unified, let mount = mounts.unified.first(where: { roots[$0] != nil }) {
                let dir = try CgroupDelegation.directory(of: path, mount: mount, root: roots[mount] ?? "/")
                let offered = CgroupFS.trimmed((try? CgroupFS.read(dir + "/cgroup.controllers")) ?? "").split(separator: " ")
                if !Set(offered.map(String.init)).isDisjoint(with: ["cpu", "memory", "pids"]) { unifiedDirectory = dir }
            }
            if let dir = unifiedDirectory {
                // Only a cgroup below the hierarchy's root must hand its processes to a leaf first.
                if !CgroupDelegation.isHierarchyRoot(dir) { try CgroupDelegation.vacate(dir) }
                configuration.v2Root = dir + "/" + configuration.v1Name
            } else {
                var parents: [String: String] = [:]
                for (controller, mount) in mounts.v1 {
                    guard let path = own.v1[controller] else { continue }
                    parents[controller] =
                        try CgroupDelegation.directory(of: path, mount: mount, root: roots[mount] ?? "/")
                        + "/" + configuration.v1Name
                }
                delegatedV1 = parents
                // Never the v2 branch below: the unified hierarchy offers this process no controllers.
                configuration.v2Root = ""
            }
        }
        self.configuration = configuration
        if let unified = CgroupMount.unified(containing: configuration.v2Root, in: mounts),
            !Set(unified.controllers).isDisjoint(with: ["cpu", "memory", "pids"])
        {
            mode = .v2
            // Delegated: controllers are enabled from the own cgroup down, never in the ancestors.
            let top = configuration.delegated ? String(configuration.v2Root.dropLast(configuration.v1Name.count + 1)) : unified.path
            availableControllers = try Self.prepareV2(root: configuration.v2Root, mount: top)
            v1Parents = [:]
        } else if !mounts.v1.isEmpty {
            mode = .v1Hybrid
            v1Parents = try Self.prepareV1(name: configuration.v1Name, mounts: mounts.v1, parents: delegatedV1)
            availableControllers = v1Parents.keys.sorted()
        } else {
            mode = .none
            availableControllers = []
            v1Parents = [:]
        }
    }

    /// Creates `root` and enables every wanted controller from `mount` (the mount point, or the top of
    /// a delegated subtree) down to it.
    private static func prepareV2(root: String, mount: String) throws -> [String] {
        try CgroupFS.mkdirs(root)
        var dir = mount
        let relative = root.dropFirst(mount.count).split(separator: "/")
        var chain = [mount]
        for component in relative {
            dir += "/" + component
            chain.append(dir)
        }
        for dir in chain {
            let offered = CgroupFS.trimmed(try CgroupFS.read(dir + "/cgroup.controllers")).split(separator: " ")
            let enabled = Set(CgroupFS.trimmed(try CgroupFS.read(dir + "/cgroup.subtree_control")).split(separator: " "))
            for controller in wantedControllers where offered.contains(Substring(controller)) && !enabled.contains(Substring(controller)) {
                // A controller the kernel refuses here (e.g. processes in an inner cgroup) just stays unavailable.
                try? CgroupFS.write("+" + controller, to: dir + "/cgroup.subtree_control")
            }
        }
        let enabled = CgroupFS.trimmed(try CgroupFS.read(root + "/cgroup.subtree_control")).split(separator: " ")
        return enabled.map(String.init).sorted()
    }

    /// Creates `<mount>/<name>` in every v1 hierarchy (delegated: the given `parents` instead); seeds
    /// the cpuset parent's cpus and mems from its parent's, which v1 leaves empty (and an empty cpuset
    /// refuses tasks).
    private static func prepareV1(name: String, mounts: [String: String], parents given: [String: String]? = nil) throws -> [String: String] {
        var parents: [String: String] = [:]
        for (controller, mount) in mounts {
            if let given, given[controller] == nil { continue }
            let dir = given?[controller] ?? mount + "/" + name
            try CgroupFS.mkdirs(dir)
            parents[controller] = dir
        }
        if let cpuset = parents["cpuset"] {
            let above = String(cpuset[..<(cpuset.lastIndex(of: "/") ?? cpuset.endIndex)])
            for file in ["cpuset.cpus", "cpuset.mems"] {
                if CgroupFS.trimmed(try CgroupFS.read(cpuset + "/" + file)).isEmpty {
                    try CgroupFS.write(CgroupFS.trimmed(try CgroupFS.read(above + "/" + file)), to: cpuset + "/" + file)
                }
            }
        }
        return parents
    }
}
