/// What the dispatcher knows about a job: returned by `status` and `list`.
public struct JobRecord: Sendable, Equatable, Codable {
    /// 32 lowercase hex characters (`JobID.generate`); queries accept a unique prefix.
    public var jobID: String
    /// The request's `name`, a label for listings; nil when none was given.
    public var name: String?
    /// The current state; terminal states never change, except that `unschedulable` may move on.
    public var state: JobState
    /// The spec as submitted (`python:3.11`) and what it resolved to.
    public var runtime: String?
    /// The canonical runtime id the spec resolved to (`python-3.11`); nil for host jobs.
    public var runtimeID: String?
    /// The job queue the dispatcher routed it to, e.g. `joblet.jobs.python-3.11@x86_64`.
    public var queue: String?
    /// Program and arguments, as submitted.
    public var command: [String]
    /// The broker user (`user_id`) that submitted it; leads the job's event and log routing keys.
    public var submitter: String
    /// When the dispatcher accepted it, in seconds since the Unix epoch.
    public var submittedAt: Double
    /// When the latest attempt started (its `running` event, else the result's `startedAt`), in seconds
    /// since the epoch; nil while no attempt has started.
    public var startedAt: Double?
    /// Set when the job ends (or turns `unschedulable`, cleared if it then starts): the result's
    /// `finishedAt`, else the time the dispatcher recorded; seconds since the epoch.
    public var finishedAt: Double?
    /// The worker that holds the job: the sender of its latest `running` event (kept when it ends);
    /// nil while no worker has started it. Only this worker's log chunks are the job's history.
    public var workerID: String?
    /// How many times a worker started it (from `running` events).
    public var attempts: Int
    /// The result's exit code (128+signal when killed); nil until a worker reports one.
    public var exitCode: Int32?
    /// Why the job is in its current state (`oom_killed`, `timeout`, a dead-letter reason …); cleared
    /// when an attempt starts.
    public var reason: String?
    /// The worker's outcome of a run, from its terminal event; nil before that and when no run ended
    /// (`rejected`, `lost`, a queued job's `cancelled` …).
    public var result: JobResult?
    /// Every state change, oldest first, starting with `queued`.
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
    /// The state the job entered.
    public var state: JobState
    /// When, in seconds since the Unix epoch.
    public var time: Double
    /// The worker that reported the change; nil for states the dispatcher decides.
    public var workerID: String?
    /// Why, when the change has a reason (as in `JobRecord.reason`).
    public var reason: String?

    public init(state: JobState, time: Double, workerID: String? = nil, reason: String? = nil) {
        self.state = state
        self.time = time
        self.workerID = workerID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case state, time, workerID = "worker_id", reason }
}
