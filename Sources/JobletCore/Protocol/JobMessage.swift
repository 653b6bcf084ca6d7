/// A routed job: the body of a `joblet.job.v1` message on a `joblet.jobs.<runtime>@<arch>` queue.
public struct JobMessage: Sendable, Equatable, Codable {
    /// The job's id, also the message's `message_id`.
    public var jobID: String
    /// Canonical runtime id the dispatcher resolved (`python-3.11`), nil for host jobs.
    public var runtimeID: String?
    /// The submission as the dispatcher received and validated it; the worker validates it again.
    public var request: JobRequest
    /// The broker-validated user that submitted the job.
    public var submitter: String
    /// Seconds since the Unix epoch.
    public var submittedAt: Double
    /// How many times a worker may start this job; a delivery beyond it is dead-lettered as `lost`.
    public var maxAttempts: Int
    /// The request's volumes as the dispatcher resolved them (owner, size, read-only); the worker
    /// mounts exactly these.
    public var volumes: [JobVolume]?
    /// More attempts than this is a loop, not a retry policy.
    public static let maxAttemptsLimit = 100

    public init(
        jobID: String, runtimeID: String?, request: JobRequest, submitter: String, submittedAt: Double,
        maxAttempts: Int = 2
    ) {
        self.jobID = jobID
        self.runtimeID = runtimeID
        self.request = request
        self.submitter = submitter
        self.submittedAt = submittedAt
        self.maxAttempts = maxAttempts
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", runtimeID = "runtime_id", request, submitter, submittedAt = "submitted_at"
        case maxAttempts = "max_attempts", volumes
    }
}
