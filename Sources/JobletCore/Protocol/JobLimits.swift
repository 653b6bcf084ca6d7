/// Resource limits a job asks for. Absent fields take the worker's defaults.
public struct JobLimits: Sendable, Equatable, Codable {
    /// Hard memory limit (no swap).
    public var memory: ByteSize?
    /// CPU as a percentage of one core: 150 = 1.5 cores.
    public var cpuPercent: Int?
    /// cpuset, e.g. `0-1` or `0,2`.
    public var cpuCores: String?
    /// Disk IO bandwidth (read and write) on the device holding the job's work dir, bytes per second.
    public var ioBytesPerSecond: ByteSize?
    /// Maximum number of processes and threads.
    public var pids: Int?
    /// Wall-clock limit; the whole process tree is killed when it passes.
    public var timeout: JobDuration?

    public init(memory: ByteSize? = nil, cpuPercent: Int? = nil, cpuCores: String? = nil,
                ioBytesPerSecond: ByteSize? = nil, pids: Int? = nil, timeout: JobDuration? = nil) {
        self.memory = memory
        self.cpuPercent = cpuPercent
        self.cpuCores = cpuCores
        self.ioBytesPerSecond = ioBytesPerSecond
        self.pids = pids
        self.timeout = timeout
    }

    enum CodingKeys: String, CodingKey {
        case memory
        case cpuPercent = "cpu_percent"
        case cpuCores = "cpu_cores"
        case ioBytesPerSecond = "io_bps"
        case pids, timeout
    }

    /// Checks the values make sense on their own; worker maxima are checked by the worker.
    public func validate() throws {
        if let memory, memory.bytes < 4 << 20 {
            throw JobletError(.invalidArgument, "limits.memory: \(memory) is too small; give at least 4M")
        }
        if let cpuPercent, !(1...100_000).contains(cpuPercent) {
            throw JobletError(.invalidArgument, "limits.cpu_percent: \(cpuPercent) is out of range; give 1-100000 (150 = 1.5 cores)")
        }
        if let cpuCores, !JobLimits.isValidCPUList(cpuCores) {
            throw JobletError(.invalidArgument, "limits.cpu_cores: \"\(cpuCores)\" is not a CPU list; write it like \"0-1\" or \"0,2\"")
        }
        if let io = ioBytesPerSecond, io.bytes < 1024 {
            throw JobletError(.invalidArgument, "limits.io_bps: \(io) is too small; give at least 1K")
        }
        if let pids, !(1...JobLimits.maxPids).contains(pids) {
            throw JobletError(.invalidArgument, "limits.pids: \(pids) is out of range; give 1-\(JobLimits.maxPids) (the kernel's PID_MAX_LIMIT)")
        }
        if let timeout, !(timeout.seconds > 0 && timeout.seconds <= JobLimits.maxTimeout.seconds) {
            throw JobletError(.invalidArgument, "limits.timeout: \(timeout) is out of range; give more than 0 and at most \(JobLimits.maxTimeout), like \"10m\"")
        }
    }

    /// The kernel's PID_MAX_LIMIT: no pids.max above it means anything.
    public static let maxPids = 4_194_304
    /// Longer than any job should run (a year): bounds every arithmetic on a timeout from the wire.
    public static let maxTimeout = JobDuration(seconds: 366 * 86_400)

    /// `0`, `0-3`, `0,2`, `0-1,4` (kernel cpuset list syntax).
    public static func isValidCPUList(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count),
                  bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt16($0) != nil }) else { return false }
            if bounds.count == 2, let low = UInt16(bounds[0]), let high = UInt16(bounds[1]), low > high { return false }
        }
        return true
    }
}
