import FuzzSupport
import JobletCore

// A request's `limits` object, from any submitter: decode, validate as the dispatcher and worker do, then
// normalise against worker configurations (the steps of the worker's EffectiveLimits).
FuzzDriver.run { data, count in
    guard let limits = RoundTrip.decode(JobLimits.self, FuzzDriver.bytes(data, count)) else { return 0 }
    RoundTrip.check(limits)
    do {
        try limits.validate()
    } catch {
        FuzzDriver.explain("invalid: \(error)")
        return 0
    }
    WorkerLimits.apply(limits)
    return 0
}
