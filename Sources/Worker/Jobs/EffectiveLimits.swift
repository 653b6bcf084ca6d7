import Isolation
import JobletCore

/// A job's limits after the worker's defaults are applied and its maxima checked.
struct EffectiveLimits: Sendable, Equatable {
    var limits: JobLimits

    /// Fills absent fields from `defaults`, then from `maximum` (so a job never runs unbounded where the
    /// worker set a bound); throws a `rejected` reason when a value is over `maximum`.
    init(requested: JobLimits?, defaults: JobLimits, maximum: JobLimits) throws(RejectReason) {
        let merged = (requested ?? JobLimits()).filled(from: defaults)
        if let excess = merged.firstExcess(over: maximum) {
            throw RejectReason("\(excess.field): \(excess.value) is over this worker's maximum of \(excess.ceiling)")
        }
        var ceilings = maximum
        ceilings.cpuCores = nil  // a cpuset is a placement, not a ceiling
        limits = merged.filled(from: ceilings)
    }

    var resourceLimits: ResourceLimits {
        ResourceLimits(
            memoryBytes: limits.memory?.bytes, cpuPercent: limits.cpuPercent, cpuCores: limits.cpuCores,
            ioBytesPerSecond: limits.ioBytesPerSecond?.bytes, pids: limits.pids)
    }
}

/// Why a job was refused before it ran; published as a `rejected` event.
struct RejectReason: Error, Sendable, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
