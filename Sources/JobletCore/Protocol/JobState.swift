/// The lifecycle states of a job, as stored by the dispatcher and published in events.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, completed, failed, cancelled
    case timedOut = "timed_out"
    case lost, rejected, unschedulable

    /// A terminal state never changes again.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: return false
        default: return true
        }
    }
}
