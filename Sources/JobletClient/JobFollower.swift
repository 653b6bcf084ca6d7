import JobletCore

/// Follows one job: its log chunks (live merged with history by sequence number, no gap and no
/// duplicate) and its lifecycle, until the end and every chunk it announced. Iterate it once; each
/// iteration has its own private queue, closed at `.ended` (or with the client's connection when the
/// iteration stops early).
///
/// Live first, history second: the private queue (`FollowSubscription`) is bound BEFORE the history
/// is asked for. For `submitAndFollow` it was bound before the submission, so every chunk arrives live.
/// A follower that attaches later (`follow`) may miss chunks published before its bind that were
/// still on their way into the dispatcher's store when it read the history: a later live chunk
/// reveals the gap, and until one arrives the history is read again on a backoff (a job that printed
/// once and then waits would otherwise never show its output).
public struct JobFollower: AsyncSequence, Sendable {
    public typealias Element = JobFollowEvent

    let client: ClusterClient
    /// The followed job's full id.
    public let jobID: String
    /// Who submitted the job: it leads the routing keys to bind (topic permissions let users bind
    /// only their own jobs).
    let submitter: String
    /// Opened before the submission (`submitAndFollow`), else by the iteration for the job.
    let subscription: FollowSubscription?
    let sinceSeq: UInt64
    /// Yield log chunks (false: only wait for the end, as `rnx submit --wait`).
    let output: Bool

    init(
        client: ClusterClient, jobID: String, submitter: String, subscription: FollowSubscription? = nil,
        sinceSeq: UInt64 = 0, output: Bool = true
    ) {
        self.client = client
        self.jobID = jobID
        self.submitter = submitter
        self.subscription = subscription
        self.sinceSeq = sinceSeq
        self.output = output
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(self)
    }
}
