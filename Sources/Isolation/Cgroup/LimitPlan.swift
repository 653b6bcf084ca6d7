/// Validated limits, converted to what the kernel files take; built before any cgroup exists.
struct LimitPlan: Sendable {
    static let cpuPeriodUsec = 100_000

    var memoryBytes: Int64?
    var cpuQuotaUsec: Int?
    var cpuCores: String?
    var pids: Int?
    var io: (device: BlockDevice, bytesPerSecond: Int64)?
    /// Limits no hierarchy can enforce whatever the mode (e.g. io on tmpfs).
    var unenforceable: [(name: String, reason: String)] = []
    /// Names of every requested limit.
    var requested: [String] = []

    /// Whether a job needs its own directory in the v1 hierarchy `name`: freezer (kill), cpuacct, memory
    /// and pids (usage and their limits) always; cpu, cpuset and blkio only for the limit they enforce.
    /// Each directory costs a mkdir and an rmdir per job, and filling a cpuset one makes the kernel
    /// rebuild its scheduling domains (a tenth of a worker's CPU per job in a profile).
    func needsV1Hierarchy(_ name: String) -> Bool {
        switch name {
        case "cpu": return cpuQuotaUsec != nil
        case "cpuset": return cpuCores != nil
        case "blkio": return io != nil
        default: return true
        }
    }

    /// `onlineCPUs` is read only for a job that names CPU cores (a file read the others do not need).
    init(limits: ResourceLimits, defaultPids: Int, ioPath: String, onlineCPUs: () throws -> Set<Int>) throws {
        if let bytes = limits.memoryBytes {
            guard bytes > 0 else { throw CgroupError(.invalidLimit, "memory limit must be positive, got \(bytes)") }
            memoryBytes = bytes
            requested.append("memory")
        }
        if let percent = limits.cpuPercent {
            guard percent > 0 else { throw CgroupError(.invalidLimit, "CPU limit must be a positive percentage, got \(percent)") }
            cpuQuotaUsec = percent * Self.cpuPeriodUsec / 100
            requested.append("cpu")
        }
        if let cores = limits.cpuCores {
            let text = CgroupFS.trimmed(cores)
            guard let cpus = CPUList.parse(text), !cpus.isEmpty else {
                throw CgroupError(.invalidLimit, "CPU cores \"\(cores)\" is not a CPU list like \"0-1\" or \"0,2\"")
            }
            let online = try onlineCPUs()
            let missing = cpus.subtracting(online)
            guard missing.isEmpty else {
                throw CgroupError(
                    .invalidLimit,
                    "CPU cores \"\(cores)\" names CPUs this host does not offer: "
                        + "\(missing.sorted().map(String.init).joined(separator: ",")) "
                        + "(available: \(online.sorted().map(String.init).joined(separator: ",")))")
            }
            cpuCores = text
            requested.append("cpuset")
        }
        if let pids = limits.pids {
            guard pids > 0 else { throw CgroupError(.invalidLimit, "pids limit must be positive, got \(pids)") }
            self.pids = pids
            requested.append("pids")
        } else if defaultPids > 0 {
            pids = defaultPids
            requested.append("pids")
        }
        if let rate = limits.ioBytesPerSecond {
            guard rate > 0 else { throw CgroupError(.invalidLimit, "IO limit must be positive, got \(rate) bytes/s") }
            requested.append("io")
            if let device = try BlockDevice.holding(ioPath) {
                io = (device, rate)
            } else {
                unenforceable.append(("io", "\(ioPath) is on a filesystem without a block device (tmpfs, overlay, …)"))
            }
        }
    }
}
