import GRDB
import JobletCore

/// Whether a job exists and which worker holds its current attempt (nil: none yet).
public struct JobHolder: Sendable, Equatable {
    public var exists: Bool
    public var workerID: String?

    public init(exists: Bool, workerID: String?) {
        self.exists = exists
        self.workerID = workerID
    }
}

/// A lifecycle event as a worker user sent it.
public struct WorkerEvent: Sendable {
    public var event: JobEvent
    /// The broker user that published it (RabbitMQ checked `user_id` against the connection).
    public var worker: String

    public init(event: JobEvent, worker: String) {
        self.event = event
        self.worker = worker
    }
}

/// What applying one worker event did.
public enum EventOutcome: Sendable, Equatable {
    case applied
    /// Applied, and the job ended: its followers are told the recorded end (`recorded.<submitter>.…`).
    case ended(submitter: String)
    /// A duplicate, a stale event or one about an unknown job.
    case unchanged
    /// Not believed; the reason names the sender's mistake.
    case refused(String)
    /// A `running` of a job that already ended (a second copy of its message): the copy must be stopped.
    case copyOfEnded(JobState)
}

extension JobStore {
    /// Applies worker events in one transaction, so a batch costs one commit instead of one each. Every
    /// event is first checked by `refusal` against the job's holder as the batch has left it so far (a
    /// `running` earlier in the batch makes its sender the holder of what follows). A terminal event
    /// that `impliesRunning` is applied as that `running` first, then itself: one outcome, a refusal of
    /// either or else the terminal event's.
    public func apply(
        _ events: [WorkerEvent],
        refusal: @Sendable (WorkerEvent, JobHolder) -> String?
    ) async throws -> [EventOutcome] {
        try await write { db in
            try events.map { item in
                if let running = item.event.impliedRunning {
                    let start = WorkerEvent(event: running, worker: item.worker)
                    // A copy of an ended job is no news here: this attempt ended too.
                    if case .refused(let reason) = try JobStore.apply(start, refusal: refusal, in: db) { return .refused(reason) }
                }
                return try JobStore.apply(item, refusal: refusal, in: db)
            }
        }
    }

    private static func apply(
        _ item: WorkerEvent, refusal: (WorkerEvent, JobHolder) -> String?, in db: Database
    ) throws -> EventOutcome {
        // One read of the job serves the trust check, the change and the copy check.
        let stored = try JobStore.storedState(db, jobID: item.event.jobID)
        let holder = JobHolder(exists: stored != nil, workerID: stored?.workerID)
        if let reason = refusal(item, holder) { return .refused(reason) }
        guard let stored else { return .unchanged }
        if try JobStore.apply(item.event, to: stored, in: db) {
            return item.event.state.isTerminal ? .ended(submitter: stored.submitter) : .applied
        }
        // Not applied, so `stored` is still the job's state.
        guard item.event.state == .running, let state = stored.state, state.isTerminal else { return .unchanged }
        return .copyOfEnded(state)
    }
}
