import JobletCore

/// The worker's limits normalisation (Sources/Worker/Jobs/EffectiveLimits.swift), which is internal to
/// the Worker target: the same steps on public JobLimits API, against typical worker configurations,
/// with the invariants the worker relies on when it writes cgroup files.
public enum WorkerLimits {
    static let configurations: [(defaults: JobLimits, maximum: JobLimits)] = [
        (JobLimits(), JobLimits()),
        (
            JobLimits(
                memory: ByteSize(bytes: 512 << 20), cpuPercent: 100, pids: 512, timeout: JobDuration(seconds: 3600),
                disk: ByteSize(bytes: 2 << 30), output: ByteSize(bytes: 100 << 20)),
            JobLimits(
                memory: ByteSize(bytes: 8 << 30), cpuPercent: 400, cpuCores: "0-3", ioBytesPerSecond: ByteSize(bytes: 1 << 30),
                pids: 4096, timeout: JobDuration(seconds: 86_400), disk: ByteSize(bytes: 64 << 30),
                output: ByteSize(bytes: 1 << 30))
        ),
    ]

    public static func apply(_ requested: JobLimits) {
        for (defaults, maximum) in configurations {
            let merged = requested.filled(from: defaults)
            if let excess = merged.firstExcess(over: maximum) {
                _ = "\(excess.field): \(excess.value) is over this worker's maximum of \(excess.ceiling)"
                continue
            }
            var ceilings = maximum
            ceilings.cpuCores = nil
            let effective = merged.filled(from: ceilings)
            precondition(effective.firstExcess(over: maximum) == nil, "effective limits over the maximum")
            // What the worker derives from them: cgroup values and a deadline.
            _ = effective.memory.map { "\($0.bytes)" }
            _ = effective.cpuPercent.map { $0 * 100_000 / 100 }  // LimitPlan: cpu.max quota per 100 ms
            _ = effective.timeout.map { Duration.milliseconds(Int64($0.seconds * 1000)) }
            _ = effective.description
        }
    }
}

extension JobLimits {
    var description: String {
        [
            memory?.description, cpuPercent?.description, cpuCores, ioBytesPerSecond?.description, pids?.description,
            timeout?.description, disk?.description, output?.description,
        ].compactMap { $0 }.joined(separator: " ")
    }
}
