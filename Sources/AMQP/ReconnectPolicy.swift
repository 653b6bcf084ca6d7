/// How a lost connection is re-established: exponential backoff over the configured URLs.
public struct ReconnectPolicy: Sendable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// nil = keep trying forever; 0 = never reconnect.
    public var maxAttempts: Int?

    public init(
        initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10),
        maxAttempts: Int? = nil
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
    }

    /// Never reconnect: a lost connection fails every pending operation and ends all consumers.
    public static let disabled = ReconnectPolicy(maxAttempts: 0)

    var isEnabled: Bool { maxAttempts != 0 }

    /// Delay before attempt `n` (0-based), doubling up to `maxDelay`.
    func delay(forAttempt n: Int) -> Duration {
        var d = initialDelay
        for _ in 0..<min(n, 30) {
            d = d * 2
            if d >= maxDelay { return maxDelay }
        }
        return min(d, maxDelay)
    }
}
