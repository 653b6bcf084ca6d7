/// The outcome of one attempt of a job, published by the worker with the terminal event.
public struct JobResult: Sendable, Equatable, Codable {
    /// The command's exit status; 128+signal when it was killed by a signal.
    public var exitCode: Int32?
    /// The signal that killed the command; nil when it exited.
    public var signal: Int32?
    /// True when the kernel's OOM killer killed a process of the job (the job then ends `failed`).
    public var oomKilled: Bool
    /// Why the job ended the way it did when that is not just its exit code:
    /// `oom_killed`, `timeout`, `cancelled`, `spawn_failed: command not found: node` …
    public var reason: String?
    /// When the worker began the attempt (before the sandbox was set up), in seconds since the epoch.
    public var startedAt: Double
    /// When the worker saw the job end, in seconds since the epoch.
    public var finishedAt: Double
    /// Read from the job's cgroup; nil when the command never started, or there was no cgroup or it could not be read.
    public var accounting: Accounting?
    /// The worker that ran this attempt.
    public var workerID: String
    /// This attempt's number, 1 for the first (the broker's `x-delivery-count` + 1).
    public var attempt: Int
    /// How many log chunks were published (sequence numbers 0..<logChunks), so a follower knows
    /// when it has every byte.
    public var logChunks: UInt64
    /// Limits the worker could not enforce on this host (only when its config allows that).
    public var unenforcedLimits: [String]?
    /// The limits the job ran with (the request after the worker's defaults and maxima), so a
    /// message about a limit can name it.
    public var limits: JobLimits?
    /// Output bytes the worker read but did not publish because the job passed its `output` limit
    /// (nil: nothing was dropped). The job's log ends with a `[joblet] output truncated` line then.
    public var outputDroppedBytes: UInt64?

    public init(
        exitCode: Int32?, signal: Int32? = nil, oomKilled: Bool = false, reason: String? = nil,
        startedAt: Double, finishedAt: Double, accounting: Accounting? = nil, workerID: String,
        attempt: Int, logChunks: UInt64, unenforcedLimits: [String]? = nil, limits: JobLimits? = nil,
        outputDroppedBytes: UInt64? = nil
    ) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.accounting = accounting
        self.workerID = workerID
        self.attempt = attempt
        self.logChunks = logChunks
        self.unenforcedLimits = unenforcedLimits
        self.limits = limits
        self.outputDroppedBytes = outputDroppedBytes
    }

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code", signal, oomKilled = "oom_killed", reason
        case startedAt = "started_at", finishedAt = "finished_at", accounting
        case workerID = "worker_id", attempt, logChunks = "log_chunks", unenforcedLimits = "unenforced_limits"
        case limits, outputDroppedBytes = "output_dropped_bytes"
    }
}
