/// A lifecycle event: the body of `joblet.job.event.v1` on `joblet.events`, routing key `job.<submitter>.<job-id>.<state>`.
public struct JobEvent: Sendable, Equatable, Codable {
    /// The job it is about.
    public var jobID: String
    /// The state the job entered; also the last word of the routing key.
    public var state: JobState
    /// Seconds since the Unix epoch.
    public var time: Double
    /// The worker reporting it; nil on the events the dispatcher publishes itself.
    public var workerID: String?
    /// The worker's attempt number for `running` (from the broker's delivery count); the dispatcher
    /// counts attempts itself from `running` events.
    public var attempt: Int?
    /// Why: `oom_killed`, `timeout`, `cancelled`, `spawn_failed: …`, a dead-letter reason …; nil when none.
    public var reason: String?
    /// Present with the terminal states a worker reports after running the job; absent from `rejected`.
    public var result: JobResult?
    /// True on the terminal event of an attempt that ended before its worker announced `running` (it
    /// wrote nothing and ran less than one log flush interval): the event stands for that `running`
    /// too, at `result.started_at`. Nil otherwise.
    public var impliesRunning: Bool?

    public init(
        jobID: String, state: JobState, time: Double, workerID: String? = nil, attempt: Int? = nil,
        reason: String? = nil, result: JobResult? = nil, impliesRunning: Bool = false
    ) {
        self.jobID = jobID
        self.state = state
        self.time = time
        self.workerID = workerID
        self.attempt = attempt
        self.reason = reason
        self.result = result
        self.impliesRunning = impliesRunning ? true : nil
    }

    /// The `running` an `impliesRunning` end of a run stands for; nil for every other event. Only the
    /// states a worker reports with the result of a run imply one (not `rejected`, which never ran).
    public var impliedRunning: JobEvent? {
        guard impliesRunning == true, Self.endsOfARun.contains(state), let result, let workerID else { return nil }
        return JobEvent(jobID: jobID, state: .running, time: result.startedAt, workerID: workerID, attempt: attempt)
    }

    /// The job's reason once this event is recorded: the event's own, else its result's.
    public var recordedReason: String? { reason ?? result?.reason }

    static let endsOfARun: Set<JobState> = [.completed, .failed, .cancelled, .timedOut]

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", state, time, workerID = "worker_id", attempt, reason, result
        case impliesRunning = "implies_running"
    }
}
