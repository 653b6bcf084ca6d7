/// A lifecycle event: the body of `joblet.job.event.v1` on `joblet.events`, routing key `job.<id>.<state>`.
public struct JobEvent: Sendable, Equatable, Codable {
    public var jobID: String
    public var state: JobState
    /// Seconds since the Unix epoch.
    public var time: Double
    public var workerID: String?
    /// The worker's attempt number for `running` (from the broker's delivery count); the dispatcher
    /// counts attempts itself from `running` events.
    public var attempt: Int?
    public var reason: String?
    /// Present with terminal states reported by a worker.
    public var result: JobResult?

    public init(
        jobID: String, state: JobState, time: Double, workerID: String? = nil, attempt: Int? = nil,
        reason: String? = nil, result: JobResult? = nil
    ) {
        self.jobID = jobID
        self.state = state
        self.time = time
        self.workerID = workerID
        self.attempt = attempt
        self.reason = reason
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", state, time, workerID = "worker_id", attempt, reason, result
    }
}
