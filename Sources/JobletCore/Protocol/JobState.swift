/// The lifecycle states of a job, as stored by the dispatcher and published in events.
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Accepted by the dispatcher; waiting in its job queue for a worker.
    case queued
    /// A worker started it; every `running` event counts as an attempt.
    case running
    /// The command exited 0.
    case completed
    /// The command exited non-zero, was killed (out of memory, disk full) or could not start.
    case failed
    /// Cancelled with `cancel`, while queued or running.
    case cancelled
    /// Killed at its `limits.timeout`.
    case timedOut = "timed_out"
    /// Dead-lettered: its workers were lost `max_attempts` times, or it expired or hit the delivery limit.
    case lost
    /// A worker refused it (e.g. limits it cannot honour), or the broker refused the job message.
    case rejected
    /// Queued while its target had no live worker for `unschedulable_after`; it stays queued, and a
    /// returning worker still runs it.
    case unschedulable

    /// A terminal state never changes again.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: return false
        default: return true
        }
    }
}
