import AMQP
import JobletCore

/// What a service does with jobs: submit, look, cancel, follow. Job ids may be unique prefixes
/// wherever the dispatcher resolves them (status, cancel).
extension ClusterClient {
    /// The dispatcher's record of a job: state, result, history.
    public func status(_ jobID: String) async throws -> JobRecord {
        guard let record = try await query(RPCRequest(method: .status, jobID: jobID)).job else {
            throw JobletClientError(.dispatcher, "the dispatcher returned no job for \(jobID)")
        }
        return record
    }

    /// Asks to stop a job: a queued one is cancelled at once, a running one is killed by its worker.
    /// Returns the record as the dispatcher had it; follow the job to see it end.
    @discardableResult
    public func cancel(_ jobID: String) async throws -> JobRecord? {
        try await query(RPCRequest(method: .cancel, jobID: jobID)).job
    }

    /// Follows a job that exists (a full id): its output from `sinceSeq` on, then its end.
    /// `submitter` defaults to this client's user; `output: false` only waits for the end.
    public func follow(_ jobID: String, submitter: String? = nil, sinceSeq: UInt64 = 0, output: Bool = true) -> JobFollower {
        JobFollower(client: self, jobID: jobID, submitter: submitter ?? settings.user, sinceSeq: sinceSeq, output: output)
    }

    /// Submits a job and follows it. The follower's queue is bound before the submission, so all of
    /// the job's output arrives live, none of it from the store.
    public func submitAndFollow(_ request: JobRequest) async throws -> (jobID: String, events: JobFollower) {
        // The check for a dispatcher is a round trip on the client's channel; the follow queue's
        // set-up waits for nothing (its channel then carries the submission): both at once.
        async let dispatcherChecked: Void = requireDispatcher(queue: Topology.submitQueue)
        var bindings = FollowBindings(submitter: settings.user, logs: true)
        while true {
            do {
                let (subscription, requests) = try await FollowSubscription.forSubmission(self, bindings)
                let jobID: String
                do {
                    try await dispatcherChecked
                    jobID = try await submit(request, on: requests).jobID
                } catch {
                    await subscription.close()
                    throw error
                }
                // Still bound to all of the submitter's jobs: the follower narrows to this one when another
                // job's message arrives (most runs see none, and their broker makes no binding for them).
                return (jobID, JobFollower(client: self, jobID: jobID, submitter: settings.user, subscription: subscription))
            } catch let error as AMQPError {
                // The broker refused a bind before it saw the submission (it drops what follows on a
                // channel it closes), so the job was not submitted and may be tried again.
                try FollowSubscription.retryWithoutRecordedEnds(after: error, &bindings)
            }
        }
    }
}
