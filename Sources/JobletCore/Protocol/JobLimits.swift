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
    /// Everything the job writes (`/work`, `/tmp`, its uploads as they are extracted).
    public var disk: ByteSize?
    /// Output (stdout + stderr) kept; past it the rest is dropped and the result says so.
    public var output: ByteSize?
    /// Network bandwidth of a job with a network, each way, bytes per second (tc on its veth pair).
    public var netBytesPerSecond: ByteSize?

    public init(
        memory: ByteSize? = nil, cpuPercent: Int? = nil, cpuCores: String? = nil,
        ioBytesPerSecond: ByteSize? = nil, pids: Int? = nil, timeout: JobDuration? = nil,
        disk: ByteSize? = nil, output: ByteSize? = nil, netBytesPerSecond: ByteSize? = nil
    ) {
        self.memory = memory
        self.cpuPercent = cpuPercent
        self.cpuCores = cpuCores
        self.ioBytesPerSecond = ioBytesPerSecond
        self.pids = pids
        self.timeout = timeout
        self.disk = disk
        self.output = output
        self.netBytesPerSecond = netBytesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case memory
        case cpuPercent = "cpu_percent"
        case cpuCores = "cpu_cores"
        case ioBytesPerSecond = "io_bps"
        case pids, timeout, disk, output
        case netBytesPerSecond = "net_bps"
    }

    /// These limits, with every field they leave out taken from `fallback`.
    public func filled(from fallback: JobLimits) -> JobLimits {
        JobLimits(
            memory: memory ?? fallback.memory, cpuPercent: cpuPercent ?? fallback.cpuPercent,
            cpuCores: cpuCores ?? fallback.cpuCores, ioBytesPerSecond: ioBytesPerSecond ?? fallback.ioBytesPerSecond,
            pids: pids ?? fallback.pids, timeout: timeout ?? fallback.timeout,
            disk: disk ?? fallback.disk, output: output ?? fallback.output,
            netBytesPerSecond: netBytesPerSecond ?? fallback.netBytesPerSecond)
    }

    /// The first field (as `limits.<key>: value`, with the ceiling) that is over `ceiling`; nil when none is.
    public func firstExcess(over ceiling: JobLimits) -> (field: String, value: String, ceiling: String)? {
        func over<T: Comparable & CustomStringConvertible>(_ key: String, _ value: T?, _ maximum: T?) -> (String, String, String)? {
            guard let value, let maximum, value > maximum else { return nil }
            return ("limits.\(key)", value.description, maximum.description)
        }
        return over("memory", memory, ceiling.memory) ?? over("cpu_percent", cpuPercent, ceiling.cpuPercent)
            ?? over("io_bps", ioBytesPerSecond, ceiling.ioBytesPerSecond) ?? over("pids", pids, ceiling.pids)
            ?? over("timeout", timeout, ceiling.timeout) ?? over("disk", disk, ceiling.disk)
            ?? over("output", output, ceiling.output) ?? over("net_bps", netBytesPerSecond, ceiling.netBytesPerSecond)
    }

    /// Checks every value is within the range any worker could honour, naming the field and the range;
    /// a worker's own maxima are narrower and checked by the worker (and, from adverts, the dispatcher).
    public func validate() throws {
        try Self.check(memory, "memory", within: Self.memoryRange, example: "512M")
        if let cpuPercent, !(1...100_000).contains(cpuPercent) {
            throw JobletError(.invalidArgument, "limits.cpu_percent: \(cpuPercent) is out of range; give 1-100000 (150 = 1.5 cores)")
        }
        if let cpuCores, cpuCores.utf8.count > 256 || !JobLimits.isValidCPUList(cpuCores) {
            throw JobletError(.invalidArgument, "limits.cpu_cores: \"\(cpuCores.prefix(64))\" is not a CPU list; write it like \"0-1\" or \"0,2\"")
        }
        try Self.check(ioBytesPerSecond, "io_bps", within: Self.ioBytesPerSecondRange, example: "50M")
        if let pids, !(1...JobLimits.maxPids).contains(pids) {
            throw JobletError(.invalidArgument, "limits.pids: \(pids) is out of range; give 1-\(JobLimits.maxPids) (the kernel's PID_MAX_LIMIT)")
        }
        if let timeout, !(timeout.seconds > 0 && timeout.seconds <= JobLimits.maxTimeout.seconds) {
            throw JobletError(
                .invalidArgument, "limits.timeout: \(timeout) is out of range; give more than 0 and at most \(JobLimits.maxTimeout), like \"10m\"")
        }
        try Self.check(disk, "disk", within: Self.diskRange, example: "2G")
        try Self.check(output, "output", within: Self.outputRange, example: "100M")
        try Self.check(netBytesPerSecond, "net_bps", within: Self.netBytesPerSecondRange, example: "10M")
    }

    private static func check(_ value: ByteSize?, _ field: String, within range: ClosedRange<ByteSize>, example: String) throws {
        guard let value, !range.contains(value) else { return }
        throw JobletError(.invalidArgument, "limits.\(field): \(value) is out of range; give \(range.lowerBound) to \(range.upperBound), like \"\(example)\"")
    }

    public static let memoryRange = ByteSize(bytes: 4 << 20)...ByteSize(bytes: 64 << 40)
    public static let ioBytesPerSecondRange = ByteSize(bytes: 1 << 10)...ByteSize(bytes: 1 << 40)
    /// At least room for a small filesystem; at most what any disk holds.
    public static let diskRange = ByteSize(bytes: 16 << 20)...ByteSize(bytes: 64 << 40)
    public static let outputRange = ByteSize(bytes: 1 << 10)...ByteSize(bytes: 1 << 40)
    /// 1K/s to 100G/s: tc's rates are 64-bit bits per second, so nothing here overflows them.
    public static let netBytesPerSecondRange = ByteSize(bytes: 1 << 10)...ByteSize(bytes: 100 << 30)
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
                bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt16($0) != nil })
            else { return false }
            if bounds.count == 2, let low = UInt16(bounds[0]), let high = UInt16(bounds[1]), low > high { return false }
        }
        return true
    }
}
