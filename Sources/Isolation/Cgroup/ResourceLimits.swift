/// The resource limits of one job. `nil` means "no limit" (except pids, which falls back to
/// `CgroupConfiguration.defaultPids`).
public struct ResourceLimits: Sendable, Equatable {
    /// Hard memory limit in bytes; swap is disabled for the job.
    public var memoryBytes: Int64?
    /// CPU bandwidth in percent of one core: 150 = 1.5 cores.
    public var cpuPercent: Int?
    /// The CPUs the job may run on, in cpuset list syntax: `"0-1"`, `"0,2"`.
    public var cpuCores: String?
    /// Read and write bandwidth limit on the block device holding the job's work directory.
    public var ioBytesPerSecond: Int64?
    /// Maximum number of processes and threads in the job.
    public var pids: Int?

    public init(
        memoryBytes: Int64? = nil, cpuPercent: Int? = nil, cpuCores: String? = nil,
        ioBytesPerSecond: Int64? = nil, pids: Int? = nil
    ) {
        self.memoryBytes = memoryBytes
        self.cpuPercent = cpuPercent
        self.cpuCores = cpuCores
        self.ioBytesPerSecond = ioBytesPerSecond
        self.pids = pids
    }
}
