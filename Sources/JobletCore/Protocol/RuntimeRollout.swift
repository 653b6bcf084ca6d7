/// Where one worker stands with one runtime the dispatcher wants it to have (or not to have):
/// an entry of the `runtime_status` answer.
public struct RuntimeRollout: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// The worker advertises the desired version.
        case installed
        /// The worker no longer advertises a runtime that was removed.
        case removed
        /// An order is on its way (or the next sweep sends one).
        case pending
        /// The last order failed (`message` says why); it is retried at `retry_at`.
        case failed
    }

    /// The live worker this entry is about.
    public var workerID: String
    /// The runtime's name.
    public var runtime: String
    /// The desired version; nil when the runtime is to be removed.
    public var version: String?
    /// Where the worker stands with the desired state.
    public var state: State
    /// failed: why; otherwise what is awaited, when anything is.
    public var message: String?
    /// Orders sent for this runtime since the worker last matched the desired state.
    public var attempts: Int
    /// failed: when the next order goes out (Unix seconds).
    public var retryAt: Double?

    public init(
        workerID: String, runtime: String, version: String?, state: State, message: String? = nil,
        attempts: Int = 0, retryAt: Double? = nil
    ) {
        self.workerID = workerID
        self.runtime = runtime
        self.version = version
        self.state = state
        self.message = message
        self.attempts = attempts
        self.retryAt = retryAt
    }

    enum CodingKeys: String, CodingKey {
        case workerID = "worker_id", runtime, version, state, message, attempts, retryAt = "retry_at"
    }
}
