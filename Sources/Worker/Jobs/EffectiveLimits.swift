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
        if let max = maximum.memory {
            if let value = merged.memory, value > max {
                throw RejectReason("limits.memory: \(value) is over this worker's maximum of \(max)")
            }
            merged.memory = merged.memory ?? max
        }
        if let max = maximum.cpuPercent {
            if let value = merged.cpuPercent, value > max {
                throw RejectReason("limits.cpu_percent: \(value) is over this worker's maximum of \(max)")
            }
            merged.cpuPercent = merged.cpuPercent ?? max
        }
        if let max = maximum.pids {
            if let value = merged.pids, value > max {
                throw RejectReason("limits.pids: \(value) is over this worker's maximum of \(max)")
            }
            merged.pids = merged.pids ?? max
        }
        if let max = maximum.ioBytesPerSecond {
            if let value = merged.ioBytesPerSecond, value > max {
                throw RejectReason("limits.io_bps: \(value) is over this worker's maximum of \(max)")
            }
            merged.ioBytesPerSecond = merged.ioBytesPerSecond ?? max
        }
        if let max = maximum.timeout {
            if let value = merged.timeout, value > max {
                throw RejectReason("limits.timeout: \(value) is over this worker's maximum of \(max)")
            }
            merged.timeout = merged.timeout ?? max
        }
        limits = merged
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
