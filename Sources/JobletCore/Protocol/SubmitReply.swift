/// The dispatcher's answer to a submission (`joblet.submit.reply.v1`), sent to `reply_to` when given.
public struct SubmitReply: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// The job is stored and routed (or, with `duplicate`, was already).
        case accepted
        /// Nothing was created; `error` says why.
        case rejected
    }

    /// `accepted`: the job is stored and queued (or a duplicate); `rejected`: see `error`.
    public var status: Status
    /// The job's id (32 hex characters) when accepted.
    public var jobID: String?
    /// The queue the job was routed to, e.g. `joblet.jobs.python-3.11@x86_64`.
    public var queue: String?
    /// The canonical runtime the spec resolved to; nil for host jobs and rejections.
    public var runtimeID: String?
    /// True when this `message_id` was seen before and the existing job is returned.
    public var duplicate: Bool?
    /// Why it was rejected; nil when accepted.
    public var error: ErrorInfo?

    public init(
        status: Status, jobID: String? = nil, queue: String? = nil, runtimeID: String? = nil,
        duplicate: Bool? = nil, error: ErrorInfo? = nil
    ) {
        self.status = status
        self.jobID = jobID
        self.queue = queue
        self.runtimeID = runtimeID
        self.duplicate = duplicate
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case status, jobID = "job_id", queue, runtimeID = "runtime_id", duplicate, error
    }
}

/// A machine-readable code and a message a person can act on.
public struct ErrorInfo: Sendable, Equatable, Codable, Error, CustomStringConvertible {
    /// e.g. `invalid_request`, `unknown_runtime`, `not_found`, `forbidden`, `ambiguous_id`.
    public var code: String
    /// For people: what went wrong and what to do about it.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
