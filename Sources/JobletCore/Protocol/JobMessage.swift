/// A routed job: the body of a `joblet.job.v1` message on a `joblet.jobs.<runtime>@<arch>` queue.
public struct JobMessage: Sendable, Equatable, Codable {
    public var jobID: String
    /// Canonical runtime id the dispatcher resolved (`python-3.11`), nil for host jobs.
    public var runtimeID: String?
    public var request: JobRequest
    /// The broker-validated user that submitted the job.
    public var submitter: String
    /// Seconds since the Unix epoch.
    public var submittedAt: Double

    public init(jobID: String, runtimeID: String?, request: JobRequest, submitter: String, submittedAt: Double) {
        self.jobID = jobID
        self.runtimeID = runtimeID
        self.request = request
        self.submitter = submitter
        self.submittedAt = submittedAt
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", runtimeID = "runtime_id", request, submitter, submittedAt = "submitted_at"
    }
}
