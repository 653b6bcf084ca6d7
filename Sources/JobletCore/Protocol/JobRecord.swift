/// What the dispatcher knows about a job: returned by `status` and `list`.
public struct JobRecord: Sendable, Equatable, Codable {
    public var jobID: String
    public var name: String?
    public var state: JobState
    /// The spec as submitted (`python:3.11`) and what it resolved to.
    public var runtime: String?
    public var runtimeID: String?
    public var queue: String?
    public var command: [String]
    public var submitter: String
    public var submittedAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    public var workerID: String?
    /// How many times a worker started it (from `running` events).
    public var attempts: Int
    public var exitCode: Int32?
    public var reason: String?
    public var result: JobResult?
    public var history: [StateChange]
    /// True when the dispatcher stopped storing this job's log at its `log_bytes_per_job` cap: the
    /// stored log (`logs`) is a prefix of what the worker published. Absent otherwise.
    public var logsTruncated: Bool?

    public init(
        jobID: String, name: String?, state: JobState, runtime: String?, runtimeID: String?, queue: String?,
        command: [String], submitter: String, submittedAt: Double, startedAt: Double? = nil,
        finishedAt: Double? = nil, workerID: String? = nil, attempts: Int = 0, exitCode: Int32? = nil,
        reason: String? = nil, result: JobResult? = nil, history: [StateChange] = [], logsTruncated: Bool? = nil
    ) {
        self.jobID = jobID
        self.name = name
        self.state = state
        self.runtime = runtime
        self.runtimeID = runtimeID
        self.queue = queue
        self.command = command
        self.submitter = submitter
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.workerID = workerID
        self.attempts = attempts
        self.exitCode = exitCode
        self.reason = reason
        self.result = result
        self.history = history
        self.logsTruncated = logsTruncated
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", name, state, runtime, runtimeID = "runtime_id", queue, command, submitter
        case submittedAt = "submitted_at", startedAt = "started_at", finishedAt = "finished_at"
        case workerID = "worker_id", attempts, exitCode = "exit_code", reason, result, history
        case logsTruncated = "logs_truncated"
    }
}

/// One entry of a job's state history.
public struct StateChange: Sendable, Equatable, Codable {
    public var state: JobState
    public var time: Double
    public var workerID: String?
    public var reason: String?

    public init(state: JobState, time: Double, workerID: String? = nil, reason: String? = nil) {
        self.state = state
        self.time = time
        self.workerID = workerID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case state, time, workerID = "worker_id", reason }
}
