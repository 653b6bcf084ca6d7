import JobletCore

/// How a followed job ended.
public struct JobOutcome: Sendable {
    /// A terminal state: completed, failed (the result has the exit code), cancelled, timed_out, lost …
    public var state: JobState
    /// The worker's result; nil when no worker ran it to the end (cancelled in queue, lost, rejected).
    public var result: JobResult?
    /// Why it ended that way, when the dispatcher or worker said (e.g. `cancelled by alice`).
    public var reason: String?

    public init(state: JobState, result: JobResult? = nil, reason: String? = nil) {
        (self.state, self.result, self.reason) = (state, result, reason)
    }
}
