import Isolation
import JobletCore

/// A job's limits after the worker's defaults are applied and its maxima checked.
struct EffectiveLimits: Sendable, Equatable {
    var limits: JobLimits

    /// Fills absent fields from `defaults`; throws a `rejected` reason when a value is over `maximum`.
    init(requested: JobLimits?, defaults: JobLimits, maximum: JobLimits) throws(RejectReason) {
        let requested = requested ?? JobLimits()
        var merged = JobLimits(
            memory: requested.memory ?? defaults.memory,
            cpuPercent: requested.cpuPercent ?? defaults.cpuPercent,
            cpuCores: requested.cpuCores ?? defaults.cpuCores,
            ioBytesPerSecond: requested.ioBytesPerSecond ?? defaults.ioBytesPerSecond,
            pids: requested.pids ?? defaults.pids,
            timeout: requested.timeout ?? defaults.timeout)
        merged.memory = try Self.capped(merged.memory, by: maximum.memory, field: "memory")
        merged.cpuPercent = try Self.capped(merged.cpuPercent, by: maximum.cpuPercent, field: "cpu_percent")
        merged.pids = try Self.capped(merged.pids, by: maximum.pids, field: "pids")
        merged.ioBytesPerSecond = try Self.capped(merged.ioBytesPerSecond, by: maximum.ioBytesPerSecond, field: "io_bps")
        merged.timeout = try Self.capped(merged.timeout, by: maximum.timeout, field: "timeout")
        limits = merged
    }

    /// A value over the worker's maximum is refused; an absent one takes the maximum, so a job never
    /// runs unbounded where the worker set a bound.
    private static func capped<Value: Comparable & CustomStringConvertible>(
        _ value: Value?, by maximum: Value?, field: String
    ) throws(RejectReason) -> Value? {
        guard let maximum else { return value }
        if let value, value > maximum {
            throw RejectReason("limits.\(field): \(value) is over this worker's maximum of \(maximum)")
        }
        return value ?? maximum
    }

    var resourceLimits: ResourceLimits {
        ResourceLimits(memoryBytes: limits.memory?.bytes, cpuPercent: limits.cpuPercent, cpuCores: limits.cpuCores,
                       ioBytesPerSecond: limits.ioBytesPerSecond?.bytes, pids: limits.pids)
    }
}

/// Why a job was refused before it ran; published as a `rejected` event.
struct RejectReason: Error, Sendable, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
