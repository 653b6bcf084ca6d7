import FuzzSupport
import JobletCore

// The body of joblet.job.request.v1, which any submitter may send: decode as the dispatcher does, validate
// (this also decodes the inline upload's base64), and round-trip what is accepted.
FuzzDriver.run { data, count in
    guard let request = RoundTrip.decode(JobRequest.self, FuzzDriver.bytes(data, count)) else { return 0 }
    RoundTrip.check(request)
    do {
        try request.validate()
    } catch {
        FuzzDriver.explain("invalid: \(error)")
        return 0
    }
    if let limits = request.limits { WorkerLimits.apply(limits) }
    return 0
}
