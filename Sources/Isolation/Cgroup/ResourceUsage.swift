/// What a job consumed, read from its cgroup after (or while) it runs.
public struct ResourceUsage: Sendable, Equatable, Codable {
    /// Total CPU time in microseconds.
    public var cpuUsageUsec: UInt64
    /// CPU time spent in user mode, in microseconds.
    public var userUsec: UInt64
    /// CPU time spent in the kernel, in microseconds.
    public var systemUsec: UInt64
    /// Highest memory use of the job in bytes (on kernels without `memory.peak`, the current use).
    public var memoryPeakBytes: UInt64
    /// True when the kernel's OOM killer killed a process of the job.
    public var oomKilled: Bool
    /// Highest number of tasks at once, when the kernel reports it.
    public var pidsPeak: UInt64?
    /// How often a fork or clone failed because the job was at its pids limit (`pids.events` max).
    public var pidsLimitHits: UInt64?

    public init(
        cpuUsageUsec: UInt64 = 0, userUsec: UInt64 = 0, systemUsec: UInt64 = 0,
        memoryPeakBytes: UInt64 = 0, oomKilled: Bool = false, pidsPeak: UInt64? = nil,
        pidsLimitHits: UInt64? = nil
    ) {
        self.cpuUsageUsec = cpuUsageUsec
        self.userUsec = userUsec
        self.systemUsec = systemUsec
        self.memoryPeakBytes = memoryPeakBytes
        self.oomKilled = oomKilled
        self.pidsPeak = pidsPeak
        self.pidsLimitHits = pidsLimitHits
    }
}
