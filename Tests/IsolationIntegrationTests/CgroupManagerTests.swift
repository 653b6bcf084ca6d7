import Glibc
import TestSupport
import Testing
@testable import Isolation

@Suite("Cgroup manager", .integration(needs: [.root]))
struct CgroupManagerTests {
    @Test("detects the host's cgroup mode and its controllers")
    func detectsMode() throws {
        let manager = try CgroupTestHost.manager("mode")
        defer { CgroupTestHost.dropParents(manager) }
        let expected: CgroupMode
        if let forced = getenv("JOBLET_EXPECT_CGROUP_MODE") {
            expected = try #require(CgroupMode(rawValue: String(cString: forced)))
        } else {
            expected = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? .v2 : .v1Hybrid
        }
        #expect(manager.mode == expected)
        for controller in ["cpu", "cpuset", "memory", "pids"] {
            #expect(manager.availableControllers.contains(controller))
        }
        #expect(manager.availableControllers.contains(manager.mode == .v2 ? "io" : "blkio"))
    }

    /// A job's cgroup is removed with one rmdir; one with child cgroups (a delegated job made some)
    /// must still go, children first, in every hierarchy, and a missing one is no error.
    @Test("removeTree takes a cgroup with nested child cgroups, and a missing one quietly")
    func removeTreeTakesNestedChildren() throws {
        let mounts = CgroupFS.exists("/sys/fs/cgroup/cgroup.controllers") ? ["/sys/fs/cgroup"] : Set(try CgroupMount.all().v1.values).sorted()
        for mount in mounts {
            let top = mount + "/joblet-remove-tree-\(getpid())"
            try CgroupFS.mkdirs(top + "/a/b")
            try CgroupFS.mkdirs(top + "/a2")
            try JobCgroup.removeTree(top)
            #expect(!CgroupFS.exists(top), "\(top)")
            try JobCgroup.removeTree(top)
        }
    }

    @Test("malformed limits and job IDs are refused before any cgroup exists")
    func rejectsMalformedInput() throws {
        let manager = try CgroupTestHost.manager("invalid")
        defer { CgroupTestHost.dropParents(manager) }
        for cores in ["0-", "a", "1-0", "0,,1", ""] {
            let error = #expect(throws: CgroupError.self) {
                try manager.createJobCgroup(jobID: "bad-cpuset", limits: ResourceLimits(cpuCores: cores), ioPath: "/")
            }
            #expect(error?.code == .invalidLimit, "cpuset \"\(cores)\"")
        }
        let missing = #expect(throws: CgroupError.self) {
            try manager.createJobCgroup(jobID: "no-such-cpu", limits: ResourceLimits(cpuCores: "0,4095"), ioPath: "/")
        }
        #expect(missing?.code == .invalidLimit)
        #expect(missing?.message.contains("4095") == true)
        let negative = #expect(throws: CgroupError.self) {
            try manager.createJobCgroup(jobID: "negative", limits: ResourceLimits(memoryBytes: -1), ioPath: "/")
        }
        #expect(negative?.code == .invalidLimit)
        for jobID in ["", "..", "a/b", "cgroup.procs", "x y"] {
            let error = #expect(throws: CgroupError.self) {
                try manager.createJobCgroup(jobID: jobID, limits: ResourceLimits(), ioPath: "/")
            }
            #expect(error?.code == .invalidJobID, "job ID \"\(jobID)\"")
        }
        #expect(manager.cleanupLeftoversCount() == 0)
    }

    @Test("a job ID already in use is refused")
    func refusesDuplicate() throws {
        let manager = try CgroupTestHost.manager("dup")
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "job-1", limits: ResourceLimits(), ioPath: "/")
        defer { try? job.remove() }
        let error = #expect(throws: CgroupError.self) {
            try manager.createJobCgroup(jobID: "job-1", limits: ResourceLimits(), ioPath: "/")
        }
        #expect(error?.code == .exists)
        // The failed attempt must not have deleted the first job's cgroup.
        for dir in job.directories { #expect(CgroupFS.isDirectory(dir)) }
    }

    @Test("an io limit on a filesystem without a block device is refused, or listed as unenforced")
    func ioOnTmpfsIsUnenforceable() throws {
        let tmpfs = try #require(CgroupTestHost.tmpfsDirectory, "no tmpfs mounted")
        let strict = try CgroupTestHost.manager("io-strict")
        defer { CgroupTestHost.dropParents(strict) }
        let error = #expect(throws: CgroupError.self) {
            try strict.createJobCgroup(jobID: "io", limits: ResourceLimits(ioBytesPerSecond: 1 << 20), ioPath: tmpfs)
        }
        #expect(error?.code == .unenforceable)
        #expect(error?.message.contains(tmpfs) == true)
        #expect(strict.cleanupLeftoversCount() == 0, "a refused job leaves no cgroup behind")

        let lenient = try CgroupTestHost.manager("io-lenient", allowUnenforced: true)
        defer { CgroupTestHost.dropParents(lenient) }
        let job = try lenient.createJobCgroup(
            jobID: "io", limits: ResourceLimits(memoryBytes: 64 << 20, ioBytesPerSecond: 1 << 20),
            ioPath: tmpfs)
        defer { try? job.remove() }
        #expect(job.unenforced == ["io"])
    }

    @Test("cleanupLeftovers kills and removes the job cgroups of a crashed worker")
    func cleansLeftovers() throws {
        let crashed = try CgroupTestHost.manager("leftover")
        defer { CgroupTestHost.dropParents(crashed) }
        let stale = try crashed.createJobCgroup(jobID: "stale", limits: ResourceLimits(memoryBytes: 64 << 20), ioPath: "/")
        let process = try GatedProcess.spawn("sleep 300")
        try stale.attach(pid: process.pid)
        process.release()

        // A new worker on the same configuration finds and removes it.
        let restarted = try CgroupManager(configuration: crashed.configuration)
        #expect(try restarted.cleanupLeftovers() == 1)
        let result = process.finish()
        #expect(terminatingSignal(result.status) == SIGKILL)
        for dir in stale.directories { #expect(!CgroupFS.exists(dir)) }
        #expect(try restarted.cleanupLeftovers() == 0)
    }
}

@Suite("Cgroup manager: directories a job needs", .integration(needs: [.root]))
struct CgroupDirectoryTests {
    @Test("on v1, a job gets cpu, cpuset and blkio directories only for the limits they enforce")
    func v1DirectoriesFollowLimits() throws {
        let manager = try CgroupTestHost.manager("dirs")
        defer { CgroupTestHost.dropParents(manager) }
        // The unified hierarchy has one directory per job whatever its limits (the VM stage runs v2).
        guard manager.mode == .v1Hybrid else { return }
        let plain = try manager.createJobCgroup(jobID: "plain", limits: ResourceLimits(memoryBytes: 64 << 20), ioPath: "/")
        #expect(Set(plain.hierarchies) == ["cpuacct", "freezer", "memory", "pids"])
        try plain.remove()
        let pinned = try manager.createJobCgroup(jobID: "pinned", limits: ResourceLimits(cpuPercent: 50, cpuCores: "0"), ioPath: "/")
        #expect(Set(pinned.hierarchies) == ["cpu", "cpuacct", "cpuset", "freezer", "memory", "pids"])
        // Still enforced: the cpuset holds just the core asked for.
        let cpusetDir = try #require(pinned.directory(of: "cpuset"))
        #expect(CgroupFS.trimmed(try CgroupFS.read(cpusetDir + "/cpuset.cpus")) == "0")
        try pinned.remove()
    }

    @Test("removeEmptyParents removes the parents once no job cgroup is left in them, and keeps one that holds a job")
    func removesEmptyParents() throws {
        let manager = try CgroupTestHost.manager("parents")
        defer { CgroupTestHost.dropParents(manager) }
        let job = try manager.createJobCgroup(jobID: "held", limits: ResourceLimits(memoryBytes: 64 << 20), ioPath: "/")
        let holding = Set(job.directories.map { String($0[..<($0.lastIndex(of: "/") ?? $0.endIndex)]) })
        manager.removeEmptyParents()
        for dir in holding { #expect(CgroupFS.isDirectory(dir), "\(dir) holds a job cgroup") }
        try job.remove()
        manager.removeEmptyParents()
        for dir in manager.parentDirectories { #expect(!CgroupFS.exists(dir)) }
    }
}

extension CgroupManager {
    /// How many job cgroups exist under this manager's parents.
    func cleanupLeftoversCount() -> Int {
        switch mode {
        case .v2: return CgroupFS.subdirectories(configuration.v2Root).count
        case .v1Hybrid: return Set(v1Parents.values.flatMap { CgroupFS.subdirectories($0) }).count
        case .none: return 0
        }
    }
}

private extension JobCgroup {
    /// The v1 hierarchies the job has a directory in (none on v2).
    var hierarchies: [String] {
        if case .v1(let dirs) = layout { return Array(dirs.keys) }
        return []
    }

    func directory(of hierarchy: String) -> String? {
        if case .v1(let dirs) = layout { return dirs[hierarchy] }
        return nil
    }
}
