import JobletCore

/// A job the dispatcher accepted: its id, and the whole reply (the queue it was routed to, the
/// runtime the spec resolved to, whether the `message_id` was a duplicate).
public struct Submission: Sendable {
    /// The full job id (32 hex characters).
    public var jobID: String
    /// What the dispatcher answered, as `rnx submit --json` prints it.
    public var reply: SubmitReply
}
