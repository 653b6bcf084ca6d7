/// Resource use of a finished job, read from its cgroup.
public struct Accounting: Sendable, Equatable, Codable {
    /// Total CPU time, in microseconds (cgroup `cpu.stat` `usage_usec`).
    public var cpuUsec: UInt64
    /// CPU time in user mode, in microseconds.
    public var userUsec: UInt64
    /// CPU time in the kernel, in microseconds.
    public var systemUsec: UInt64
    /// Highest memory use, in bytes (cgroup v2 before Linux 5.19: the highest use sampled while it ran).
    public var memoryPeakBytes: UInt64
    /// Most tasks at once (`pids.peak`); nil when the kernel does not report it.
    public var pidsPeak: UInt64?
    /// Forks refused because the job was at its pids limit.
    public var pidsLimitHits: UInt64?

    public init(
        cpuUsec: UInt64, userUsec: UInt64, systemUsec: UInt64, memoryPeakBytes: UInt64, pidsPeak: UInt64? = nil,
        pidsLimitHits: UInt64? = nil
    ) {
        self.cpuUsec = cpuUsec
        self.userUsec = userUsec
        self.systemUsec = systemUsec
        self.memoryPeakBytes = memoryPeakBytes
        self.pidsPeak = pidsPeak
        self.pidsLimitHits = pidsLimitHits
    }

    enum CodingKeys: String, CodingKey {
        case cpuUsec = "cpu_usec", userUsec = "user_usec", systemUsec = "system_usec"
        case memoryPeakBytes = "memory_peak", pidsPeak = "pids_peak", pidsLimitHits = "pids_limit_hits"
    }
}
