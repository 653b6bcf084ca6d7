extension CgroupManager {
    /// Creates the job's cgroup(s) and writes the limits.
    ///
    /// A malformed limit throws `.invalidLimit`. A limit that cannot be enforced (controller
    /// missing, no block device under `ioPath`) throws `.unenforceable` unless
    /// `allowUnenforced`, in which case it is listed in `JobCgroup.unenforced`.
    /// `ioPath` is only consulted when `limits.ioBytesPerSecond` is set.
    public func createJobCgroup(jobID: String, limits: ResourceLimits, ioPath: String) throws -> JobCgroup {
        try Self.validate(jobID: jobID)
        let plan = try LimitPlan(
            limits: limits, defaultPids: configuration.defaultPids, ioPath: ioPath,
            onlineCPUs: onlineCPUs)
        var skipped: [(name: String, reason: String)] = plan.unenforceable
        let layout: JobCgroup.Layout
        switch mode {
        case .v2:
            layout = .v2(configuration.v2Root + "/" + jobID)
        case .v1Hybrid:
            layout = .v1(v1Parents.filter { plan.needsV1Hierarchy($0.key) }.mapValues { $0 + "/" + jobID })
        case .none:
            layout = .none
        }
        let job = JobCgroup(jobID: jobID, layout: layout, unenforced: [])
        var created: [String] = []
        do {
            for dir in job.directories {
                guard try CgroupFS.mkdir(dir) else {
                    throw CgroupError(
                        .exists,
                        "a cgroup for job \(jobID) already exists at \(dir); "
                            + "a crashed worker left it behind (cleanupLeftovers() removes it)")
                }
                created.append(dir)
            }
            switch layout {
            case .v2(let dir): skipped += try applyV2(plan, dir: dir)
            case .v1(let dirs): skipped += try applyV1(plan, dirs: dirs)
            case .none:
                for name in plan.requested where !skipped.contains(where: { $0.name == name }) {
                    skipped.append((name, "no cgroup hierarchy is mounted on this host"))
                }
            }
            if !skipped.isEmpty && !configuration.allowUnenforced {
                let reasons = skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
                throw CgroupError(
                    .unenforceable,
                    "job \(jobID) asks for limits this host cannot enforce (\(reasons)); "
                        + "drop those limits or run the worker with allowUnenforced")
            }
        } catch {
            for dir in created { try? JobCgroup.removeTree(dir) }
            throw error
        }
        var unenforced: [String] = []
        for name in skipped.map(\.name) where !unenforced.contains(name) { unenforced.append(name) }
        return JobCgroup(jobID: jobID, layout: layout, unenforced: unenforced)
    }

    /// Removes job cgroups left by a crashed worker, killing their processes first. Returns how many.
    @discardableResult
    public func cleanupLeftovers() throws -> Int {
        switch mode {
        case .none:
            return 0
        case .v2:
            let names = CgroupFS.subdirectories(configuration.v2Root)
            for name in names {
                let job = JobCgroup(jobID: name, layout: .v2(configuration.v2Root + "/" + name), unenforced: [])
                try job.kill()
                try job.remove()
            }
            return names.count
        case .v1Hybrid:
            var names = Set<String>()
            for parent in v1Parents.values { names.formUnion(CgroupFS.subdirectories(parent)) }
            for name in names.sorted() {
                let dirs = v1Parents.mapValues { $0 + "/" + name }.filter { CgroupFS.isDirectory($0.value) }
                let job = JobCgroup(jobID: name, layout: .v1(dirs), unenforced: [])
                try job.kill()
                try job.remove()
            }
            return names.count
        }
    }

    /// Removes the parent directories this manager made for its job cgroups, when no job cgroup is
    /// left in them (a worker stopping for good: its name may never run again, and every leftover
    /// cpuset directory makes the kernel's scheduling-domain rebuilds slower). A parent still holding a
    /// job cgroup stays for the next start's ``cleanupLeftovers()``. Returns how many were removed.
    @discardableResult
    public func removeEmptyParents() -> Int {
        var removed = 0
        for dir in parentDirectories where CgroupFS.subdirectories(dir).isEmpty {
            if (try? CgroupFS.rmdir(dir)) != nil { removed += 1 }
        }
        return removed
    }

    static func validate(jobID: String) throws {
        let allowed = jobID.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.@".unicodeScalars.contains($0)
        }
        guard !jobID.isEmpty, jobID.count <= 200, allowed, jobID != ".", jobID != "..",
            !jobID.hasPrefix("cgroup."), !jobID.hasPrefix(".")
        else {
            throw CgroupError(.invalidJobID, "job ID \"\(jobID)\" cannot name a cgroup: use 1-200 of A-Z a-z 0-9 - _ . @")
        }
    }

    /// The CPUs a job may be pinned to: the parent cgroup's effective cpuset, else all online CPUs.
    func onlineCPUs() throws -> Set<Int> {
        var candidates: [String] = []
        switch mode {
        case .v2: candidates.append(configuration.v2Root + "/cpuset.cpus.effective")
        case .v1Hybrid: if let dir = v1Parents["cpuset"] { candidates.append(dir + "/cpuset.effective_cpus") }
        case .none: break
        }
        candidates.append("/sys/devices/system/cpu/online")
        for file in candidates {
            if let text = try? CgroupFS.read(file), let cpus = CPUList.parse(text), !cpus.isEmpty { return cpus }
        }
        return []
    }

    /// Writes the plan into a v2 cgroup; returns the limits whose controller is not enabled.
    private func applyV2(_ plan: LimitPlan, dir: String) throws -> [(name: String, reason: String)] {
        var skipped: [(name: String, reason: String)] = []
        func apply(_ name: String, controller: String, _ body: () throws -> Void) throws {
            if availableControllers.contains(controller) {
                try body()
            } else {
                skipped.append((name, "the \(controller) controller is not enabled in \(configuration.v2Root)/cgroup.subtree_control"))
            }
        }
        if let bytes = plan.memoryBytes {
            try apply("memory", controller: "memory") {
                try CgroupFS.write("\(bytes)", to: dir + "/memory.max")
                // No swap: otherwise the limit only moves the job's memory to disk.
                try CgroupFS.writeIfPresent("0", to: dir + "/memory.swap.max")
            }
        }
        if let quota = plan.cpuQuotaUsec {
            try apply("cpu", controller: "cpu") {
                try CgroupFS.write("\(quota) \(LimitPlan.cpuPeriodUsec)", to: dir + "/cpu.max")
            }
        }
        if let cpus = plan.cpuCores {
            try apply("cpuset", controller: "cpuset") { try CgroupFS.write(cpus, to: dir + "/cpuset.cpus") }
        }
        if let pids = plan.pids {
            try apply("pids", controller: "pids") { try CgroupFS.write("\(pids)", to: dir + "/pids.max") }
        }
        if let io = plan.io {
            try apply("io", controller: "io") {
                try CgroupFS.write("\(io.device) rbps=\(io.bytesPerSecond) wbps=\(io.bytesPerSecond)", to: dir + "/io.max")
            }
        }
        return skipped
    }

    /// Writes the plan into the v1 hierarchies; returns the limits whose hierarchy is not mounted.
    private func applyV1(_ plan: LimitPlan, dirs: [String: String]) throws -> [(name: String, reason: String)] {
        var skipped: [(name: String, reason: String)] = []
        func apply(_ name: String, controller: String, _ body: (String) throws -> Void) throws {
            if let dir = dirs[controller] {
                try body(dir)
            } else {
                skipped.append((name, "no cgroup v1 \(controller) hierarchy is mounted"))
            }
        }
        if let bytes = plan.memoryBytes {
            try apply("memory", controller: "memory") { dir in
                try CgroupFS.write("\(bytes)", to: dir + "/memory.limit_in_bytes")
                // memory+swap = memory: no swap (the file exists only with swap accounting on).
                try CgroupFS.writeIfPresent("\(bytes)", to: dir + "/memory.memsw.limit_in_bytes")
            }
        }
        if let quota = plan.cpuQuotaUsec {
            try apply("cpu", controller: "cpu") { dir in
                try CgroupFS.write("\(LimitPlan.cpuPeriodUsec)", to: dir + "/cpu.cfs_period_us")
                try CgroupFS.write("\(quota)", to: dir + "/cpu.cfs_quota_us")
            }
        }
        // Only a job pinned to cores has a cpuset directory; v1 leaves its mems empty (refusing tasks).
        if let dir = dirs["cpuset"], let parent = v1Parents["cpuset"], let cpus = plan.cpuCores {
            try CgroupFS.write(cpus, to: dir + "/cpuset.cpus")
            try CgroupFS.write(CgroupFS.trimmed(try CgroupFS.read(parent + "/cpuset.mems")), to: dir + "/cpuset.mems")
        } else if plan.cpuCores != nil {
            skipped.append(("cpuset", "no cgroup v1 cpuset hierarchy is mounted"))
        }
        if let pids = plan.pids {
            try apply("pids", controller: "pids") { dir in try CgroupFS.write("\(pids)", to: dir + "/pids.max") }
        }
        if let io = plan.io {
            try apply("io", controller: "blkio") { dir in
                try CgroupFS.write("\(io.device) \(io.bytesPerSecond)", to: dir + "/blkio.throttle.read_bps_device")
                try CgroupFS.write("\(io.device) \(io.bytesPerSecond)", to: dir + "/blkio.throttle.write_bps_device")
            }
        }
        return skipped
    }
}
